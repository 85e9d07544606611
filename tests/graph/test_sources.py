"""Reading blobs from git while a parse pool forks."""

from __future__ import annotations

import multiprocessing
import subprocess
import threading
import time
from pathlib import Path

from graph_index.sources import read_commit_blobs


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def test_a_process_forked_while_reading_does_not_keep_git_waiting(tmp_path: Path) -> None:
    # The index forks its parse pool while `git cat-file` is still being read. A child that
    # inherited the write end of a pipe to git's stdin kept git waiting for more input forever.
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.py").write_text("x = 1\n")
    _git(repo, "add", "-A")
    sha = _git(repo, "hash-object", "a.py")
    shas = [sha] * 4000  # more than a pipe buffer of requests
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,), daemon=True)
    got: list[bytes] = []

    def read() -> None:
        for _sha, data in read_commit_blobs(repo, shas):
            if not got:
                child.start()
            got.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(20)
    try:
        assert not reader.is_alive(), "reading blobs hung after a fork"
        assert len(got) == len(shas) and got[0] == b"x = 1\n"
    finally:
        child.kill()
        child.join()
