"""Local sandboxes of a killed process do not pile up in the temp directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from harness.sandboxes.local import LocalSandbox, reap_local_orphans


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True).stdout


def make_repo(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q")
    (path / "a.py").write_text("x = 1\n")
    git(path, "add", "a.py")
    git(path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    return path


def test_a_killed_owner_s_worktree_is_reaped_and_a_live_one_kept(tmp_path: Path, monkeypatch) -> None:
    repo = make_repo(tmp_path / "repo")
    tmp_root = tmp_path / "tmp"
    tmp_root.mkdir()
    child = textwrap.dedent(f"""
        import os, signal, sys
        from harness.sandboxes.local import LocalSandbox
        box = LocalSandbox({str(repo)!r})
        print(box.workdir, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # no close(), no atexit: what a crash leaves
    """)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, env={**os.environ, "TMPDIR": str(tmp_root)})
    assert out.returncode == -signal.SIGKILL, out.stderr
    orphan = Path(out.stdout.strip().splitlines()[-1])  # logs may precede it
    assert orphan.is_dir() and str(orphan) in git(repo, "worktree", "list")

    monkeypatch.setenv("TMPDIR", str(tmp_root))
    monkeypatch.setattr(tempfile, "tempdir", None)  # so tempfile re-reads TMPDIR
    with LocalSandbox(repo) as live:
        assert not orphan.parent.exists(), "the killed owner's directory was not reaped"
        assert str(orphan) not in git(repo, "worktree", "list")
        # A second reap (another process starting) leaves the live sandbox alone.
        assert reap_local_orphans(tmp_root) == []
        assert Path(live.workdir).is_dir()
        assert live.read_file("a.py") == "x = 1\n"
    assert list(tmp_root.iterdir()) == []


def test_directories_without_an_owner_record_are_not_touched(tmp_path: Path) -> None:
    foreign = tmp_path / "orch-local-somebody-else"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    assert reap_local_orphans(tmp_path) == []
    assert (foreign / "keep.txt").read_text() == "mine"
