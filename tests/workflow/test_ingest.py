from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.ingest import (
    IngestError,
    load_dataset_row,
    load_issue,
    parse_issue_url,
    prepare_repo,
)
from tests.workflow.fake_github import github_server, issue_routes


def test_github_issue_with_comments_and_token() -> None:
    routes = issue_routes("acme", "widgets", 7, "Crash on empty input", "Steps...", ["me too", "trace: x"])
    with github_server(routes) as (api, seen):
        issue = load_issue("https://github.example/acme/widgets/issues/7", api_url=api, token="t0k")
    assert issue.title == "Crash on empty input"
    assert issue.comments == ["me too", "trace: x"]
    assert issue.default_branch == "main" and issue.source == "github"
    assert "Crash on empty input" in issue.text() and "trace: x" in issue.text()
    assert all(r["auth"] == "Bearer t0k" for r in seen)


def test_github_issue_without_token_sends_no_auth() -> None:
    routes = issue_routes("acme", "widgets", 1, "t", "b", [])
    with github_server(routes) as (api, seen):
        issue = load_issue("https://github.example/acme/widgets/issues/1", api_url=api)
    assert issue.body == "b" and issue.comments == []
    assert all(r["auth"] is None for r in seen)
    assert not any(r["path"].endswith("/comments") for r in seen)  # no comments -> no call


def test_missing_issue_is_an_input_error_naming_it() -> None:
    with github_server({}) as (api, _), pytest.raises(IngestError) as err:
        load_issue("https://github.example/acme/widgets/issues/999", api_url=api)
    assert err.value.kind == "input" and "acme/widgets#999 not found" in str(err.value)


def test_unreachable_api_is_infra() -> None:
    with pytest.raises(IngestError) as err:
        load_issue("https://github.example/a/b/issues/1", api_url="http://127.0.0.1:9")
    assert err.value.kind == "infra"


@pytest.mark.parametrize("ref", ["https://github.example/a/b/pull/1", "https://github.example/a", "/no/such/file.md"])
def test_bad_issue_refs(ref: str) -> None:
    with pytest.raises(IngestError):
        load_issue(ref, api_url="http://127.0.0.1:9")


def test_issue_file_title_from_heading(tmp_path: Path) -> None:
    f = tmp_path / "issue.md"
    f.write_text("# Parser drops last item\n\nWhen I parse `a,b` I get `[a]`.\n")
    issue = load_issue(str(f), api_url="unused")
    assert issue.title == "Parser drops last item" and "`a,b`" in issue.body


def test_parse_issue_url_enterprise_host() -> None:
    assert parse_issue_url("https://ghe.corp/x/y/issues/12") == ("x", "y", 12)


def test_dataset_row(tmp_path: Path) -> None:
    f = tmp_path / "d.jsonl"
    f.write_text("\n".join(json.dumps({"instance_id": i, "base_commit": "c"}) for i in ("a", "b")) + "\n")
    assert load_dataset_row(f, "b")["instance_id"] == "b"
    with pytest.raises(IngestError, match="not found"):
        load_dataset_row(f, "zzz")


def test_plain_directory_becomes_stable_git_repo(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("x = 1\n")
    one = prepare_repo(str(src), tmp_path / "w1")
    two = prepare_repo(str(src), tmp_path / "w2")
    assert one.commit == two.commit and (one.path / ".git").is_dir()
    assert prepare_repo(str(src), tmp_path / "w1").commit == one.commit  # reused on resume


def test_local_git_repo_used_in_place_and_clone_url(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("x = 1\n")
    first = prepare_repo(str(src), tmp_path / "w")
    in_place = prepare_repo(str(first.path), tmp_path / "other")
    assert in_place.path == first.path
    cloned = prepare_repo(f"file://{first.path}", tmp_path / "c", commit=first.commit)
    assert cloned.commit == first.commit and (cloned.path / "a.py").exists()


def test_uncloneable_repo_and_unknown_commit(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot clone"):
        prepare_repo(f"file://{tmp_path}/missing.git", tmp_path / "w")
    assert not (tmp_path / "w" / "repo").exists()
    src = tmp_path / "s"
    src.mkdir()
    (src / "f").write_text("1")
    with pytest.raises(IngestError, match="not found"):
        prepare_repo(str(src), tmp_path / "w2", commit="deadbeef")


def test_bare_repository_is_used_in_place(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("x = 1\n")
    first = prepare_repo(str(src), tmp_path / "w")
    bare = tmp_path / "repos" / "acme" / "lib"
    bare.parent.mkdir(parents=True)
    import subprocess

    subprocess.run(["git", "clone", "-q", "--bare", str(first.path), str(bare)], check=True)
    got = prepare_repo(str(bare), tmp_path / "w2", commit=first.commit)
    assert got.path == bare and got.commit == first.commit
