"""Pure rules of the App: signatures, which deliveries trigger, caps, patch paths, token refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from app_harness import commented, labeled
from pydantic import SecretStr

from orchestrator.config.model import AppSettings
from orchestrator.github_app import decide, sign, verify
from orchestrator.github_app.auth import InstallationToken, needs_refresh
from orchestrator.github_app.budget import PolicyError, RepoPolicy, job_budget, read_repo_policy
from orchestrator.github_app.events import is_command
from orchestrator.github_app.gitops import UnsafePatch, auth_env, check_patch_paths
from orchestrator.github_app.signature import SignatureCheck

APP = AppSettings()
CLONE = "https://github.com/octo/demo.git"


def test_signature_round_trip_and_every_failure_kind() -> None:
    body = b'{"a": 1}'
    good = sign(body, "s3cret")
    assert good.startswith("sha256=") and len(good) == 7 + 64
    assert verify(body, good, "s3cret") is SignatureCheck.VALID
    assert verify(body, None, "s3cret") is SignatureCheck.MISSING
    assert verify(body, "", "s3cret") is SignatureCheck.MISSING
    assert verify(body, "sha1=abc", "s3cret") is SignatureCheck.MALFORMED
    assert verify(body, good.upper(), "s3cret") is SignatureCheck.MALFORMED
    assert verify(body, good, "other") is SignatureCheck.MISMATCH
    assert verify(body + b" ", good, "s3cret") is SignatureCheck.MISMATCH
    # With no secret configured nothing verifies, not even a signature made with the empty key.
    assert verify(body, sign(body, ""), "") is SignatureCheck.MISMATCH


def test_trigger_label_from_anyone_is_queued_for_a_permission_check() -> None:
    decision = decide("issues", "d1", labeled(CLONE, "someone"), APP)
    assert decision.trigger is not None and decision.trigger.permission_check
    assert decision.trigger.full_name == "octo/demo" and decision.trigger.issue_number == 7


@pytest.mark.parametrize(
    ("event", "payload", "reason"),
    [
        ("issues", labeled(CLONE, "m", label="bug"), "not the trigger label"),
        ("issues", {**labeled(CLONE, "m"), "action": "unlabeled"}, "not handled"),
        ("issues", {**labeled(CLONE, "m"), "sender": {"login": "orch[bot]", "type": "Bot"}}, "bot"),
        ("issues", {**labeled(CLONE, "m"), "issue": {"number": 7, "state": "closed"}}, "not open"),
        ("issues", {**labeled(CLONE, "m"), "issue": {"number": 7, "pull_request": {}}}, "pull requests"),
        ("issue_comment", commented(CLONE, "m", "/orch solve", "NONE"), "association NONE"),
        ("issue_comment", commented(CLONE, "m", "/orch solver", "OWNER"), "not a command"),
        ("issue_comment", commented(CLONE, "m", "please /orch solve", "OWNER"), "not a command"),
        ("issue_comment", {**commented(CLONE, "m", "/orch solve", "OWNER"), "action": "edited"}, "not handled"),
        ("push", {}, "not handled"),
    ],
)
def test_deliveries_that_do_not_trigger(event: str, payload: dict, reason: str) -> None:
    decision = decide(event, "d1", payload, APP)
    assert decision.trigger is None and reason in decision.reason and not decision.invalid


def test_command_from_an_allowed_association_needs_no_api_call() -> None:
    decision = decide("issue_comment", "d1", commented(CLONE, "m", "/ORCH solve\nthanks", "MEMBER"), APP)
    assert decision.trigger is not None and not decision.trigger.permission_check
    assert is_command("/orch solve now", "/orch solve") and not is_command("", "/orch solve")


@pytest.mark.parametrize(
    "broken",
    [
        [1, 2],
        {"action": "labeled"},
        {**labeled(CLONE, "m"), "repository": {"name": "../etc", "owner": {"login": "o"}, "clone_url": "x"}},
        {**labeled(CLONE, "m"), "installation": {"id": "many"}},
        {**labeled(CLONE, "m"), "issue": {"number": -3}},
    ],
)
def test_handled_events_with_the_wrong_shape_are_invalid(broken: object) -> None:
    decision = decide("issues", "d1", broken, APP)
    assert decision.trigger is None and decision.invalid


def test_repository_policy_only_lowers_caps(tmp_path: Path) -> None:
    assert read_repo_policy(tmp_path) == RepoPolicy()
    (tmp_path / ".orch.yml").write_text("issue_cost_usd: 99\ninstallation_cost_usd: 10\n")
    policy = read_repo_policy(tmp_path)
    assert job_budget(APP, policy, installation_spent_usd=0.0) == APP.issue_cost_usd  # 99 cannot raise 2.0
    assert job_budget(APP, policy, installation_spent_usd=9.0) == pytest.approx(1.0)  # 10 - 9 left today
    assert job_budget(APP, policy, installation_spent_usd=12.0) == 0.0
    assert job_budget(APP, RepoPolicy(issue_cost_usd=0.5), 0.0) == 0.5
    assert job_budget(APP, RepoPolicy(), APP.installation_cost_usd - 0.25) == pytest.approx(0.25)


@pytest.mark.parametrize("content", ["issue_cost_usd: -1\n", "issue_cost_usd: lots\n", "[unclosed\n"])
def test_invalid_repository_policy_is_reported(tmp_path: Path, content: str) -> None:
    (tmp_path / ".orch.yml").write_text(content)
    with pytest.raises(PolicyError, match=r"\.orch\.yml is not valid"):
        read_repo_policy(tmp_path)


def test_patch_paths_must_stay_inside_the_work_tree() -> None:
    ok = "diff --git a/src/x.py b/src/x.py\n--- a/src/x.py\n+++ b/src/x.py\n@@ -1 +1 @@\n-a\n+b\n"
    assert check_patch_paths(ok) == ["src/x.py"]
    new_file = "diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n@@ -0,0 +1 @@\n+x\n"
    assert check_patch_paths(new_file) == ["n.py"]
    for bad in ("../outside.py", ".git/hooks/pre-commit", "/etc/passwd", "a/../../x"):
        with pytest.raises(UnsafePatch):
            check_patch_paths(f"--- a/{bad}\n+++ b/{bad}\n@@ -1 +1 @@\n-a\n+b\n")


def test_git_gets_the_token_only_as_a_header_in_its_own_environment() -> None:
    env = auth_env(SecretStr("ghs_secret"))
    assert "ghs_secret" not in " ".join(env.get(k, "") for k in ("GIT_CONFIG_VALUE_0",))  # base64, not raw
    assert env["GIT_CONFIG_KEY_0"] == "http.extraHeader" and env["GIT_ALLOW_PROTOCOL"] == "https:http"
    assert not any(k.startswith("ORCH_") for k in auth_env(None))


def test_tokens_are_refreshed_before_they_expire() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    margin = timedelta(minutes=5)
    assert needs_refresh(None, now, margin)
    token = SecretStr("t")
    assert not needs_refresh(InstallationToken(token, now + timedelta(minutes=30)), now, margin)
    assert needs_refresh(InstallationToken(token, now + timedelta(minutes=5)), now, margin)
    assert needs_refresh(InstallationToken(token, now - timedelta(seconds=1)), now, margin)
    assert "ghs_x" not in repr(InstallationToken(SecretStr("ghs_x"), now))  # safe in logged frame locals
