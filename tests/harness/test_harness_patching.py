"""Patch safety (pure) and application with fallbacks (in a local git worktree, no Docker)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.patching import UnsafePatch, check_patch
from harness.sandboxes import LocalSandbox
from tests.harness.conftest import CALC, git


def _diff(path: str, body: str = "@@ -1 +1 @@\n-a\n+b\n") -> str:
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n{body}"


@pytest.mark.parametrize(
    ("diff", "reason"),
    [
        (_diff("../outside.py"), "escapes the repository"),
        ("diff --git a/x b/x\n--- a/x\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n", "absolute path"),
        (_diff(".git/hooks/pre-commit"), "inside .git"),
        (_diff("src/../../x.py"), "escapes the repository"),
        ("diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/etc\n", "symlinks"),
        ("diff --git a/x b/x\nGIT binary patch\nliteral 3\nKcmZ>\n", "binary"),
        ("\x00\x01\x02 garbage" * 10, "NUL"),
        ("just some text\nno diff here\n", "not a unified diff"),
        ("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+\x1b[31mb\n", "control characters"),
    ],
)
def test_unsafe_patches_are_refused_with_a_reason(diff: str, reason: str) -> None:
    with pytest.raises(UnsafePatch, match=reason):
        check_patch(diff)


def test_safe_patch_lists_its_paths() -> None:
    diff = _diff("src/pkg/mod.py") + "diff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+x\n"
    assert check_patch(diff).paths == ("src/pkg/mod.py", "new.py")


@pytest.fixture
def sandbox(calc_fixture):
    sb = LocalSandbox(calc_fixture.repo, "HEAD", memory=None, command_timeout=60)
    yield sb
    sb.close()


def test_clean_apply_then_diff_and_reset(sandbox, calc_fixture) -> None:
    result = sandbox.apply_patch(calc_fixture.gold)
    assert result.applied and result.method == "git apply"
    assert "return a + b" in sandbox.read_file("calc.py")
    assert "+    return a + b" in sandbox.diff()
    sandbox.write_file("new_module.py", "x = 1\n")
    assert "new_module.py" in sandbox.diff()
    sandbox.reset()
    assert sandbox.diff() == ""
    assert "return a - b" in sandbox.read_file("calc.py")


def test_reset_drops_bytecode_of_changed_sources(tmp_path: Path) -> None:
    # Python trusts cached bytecode whose source has the same size and mtime (whole seconds), and a
    # repository that ignores __pycache__ keeps it across `git clean`. Two patches of equal size
    # applied within one second (a differential test does exactly that) must each run their own
    # code; the mtime is pinned here to make the collision certain.
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / ".gitignore").write_text("__pycache__/\n")
    (repo / "calc.py").write_text(CALC)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    sandbox = LocalSandbox(repo, "HEAD", memory=None, command_timeout=60)
    try:
        run = "python3 -c 'from calc import add; print(add(2, 3))'"
        sandbox.write_file("calc.py", CALC.replace("return a - b", "return a + b"))
        assert sandbox.run(run).stdout.strip() == "5"
        source = Path(sandbox.workdir) / "calc.py"
        first = source.stat()
        sandbox.reset()
        sandbox.write_file("calc.py", CALC.replace("return a - b", "return a * b"))
        assert source.stat().st_size == first.st_size
        os.utime(source, ns=(first.st_atime_ns, first.st_mtime_ns))
        assert sandbox.run(run).stdout.strip() == "6"
    finally:
        sandbox.close()


def test_fuzzy_fallback_applies_a_shifted_patch(sandbox, calc_fixture) -> None:
    # Two lines inserted above the hunk and its context edited: git apply refuses, patch --fuzz copes.
    calc = (calc_fixture.repo / "calc.py").read_text()
    sandbox.write_file("calc.py", "# header\n# more\n" + calc.replace("def mul(a, b):", "def mul(a,  b):"))
    result = sandbox.apply_patch(calc_fixture.gold)
    assert result.applied, result.attempts
    assert result.method in ("git apply --3way", "patch --fuzz")
    assert "return a + b" in sandbox.read_file("calc.py")
    assert not any(p.endswith((".orig", ".rej")) for p in sandbox.run("git status --porcelain").stdout.split())


def test_failed_patch_leaves_workspace_untouched(sandbox) -> None:
    bad = _diff("calc.py", "@@ -1,2 +1,2 @@\n-nothing like this\n-at all\n+x\n+y\n")
    sandbox.write_file("scratch.txt", "keep me\n")
    before = sandbox.diff()
    result = sandbox.apply_patch(bad)
    assert not result.applied and not result.refused
    assert len(result.attempts) == 3
    assert sandbox.diff() == before
    assert sandbox.read_file("scratch.txt") == "keep me\n"


def test_refused_patch_never_touches_the_workspace(sandbox) -> None:
    result = sandbox.apply_patch(_diff("../../etc/passwd"))
    assert result.refused and "escapes the repository" in (result.reason or "")
    assert result.attempts == []


def test_local_sandbox_timeout_kills_process_tree(sandbox) -> None:
    r = sandbox.run("(sleep 30 &) ; sleep 30", timeout=1)
    assert r.timed_out and r.exit_code == 137 and r.duration < 10
    assert sandbox.isolated is False
