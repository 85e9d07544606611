"""The CLI contract of `orch index`, `orch search` and `orch graph show`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def orch(*args: str, index_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("ORCH_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", "--set", f"graph.index_dir={index_dir}", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )


def test_index_search_show(fixture_repo, tmp_path: Path) -> None:
    repo = fixture_repo("python", with_git=True)
    idx = tmp_path / "idx"
    out = orch("index", str(repo), index_dir=idx)
    assert out.returncode == 0, out.stderr
    assert "6 parsed, 0 reused, 3 skipped" in out.stdout and "nodes: 35" in out.stdout
    again = orch("index", str(repo), "--commit", "HEAD", "--json", index_dir=idx)
    stats = json.loads(again.stdout)
    assert (stats["files_parsed"], stats["files_reused"], stats["commit"]) == (0, 6, stats["commit"])
    assert len(stats["commit"]) == 40

    hits = json.loads(orch("search", "save", "--repo", str(repo), "-k", "2", "--json", index_dir=idx).stdout)
    assert [h["id"] for h in hits][:1] == ["pkg/base.py:Base.save"]
    assert {"id", "kind", "path", "start_line", "score", "signature"} <= set(hits[0])

    shown = orch("graph", "show", "pkg/base.py:Base.save", "--repo", str(repo), "--json", index_dir=idx)
    data = json.loads(shown.stdout)
    assert data["node"]["kind"] == "function"
    assert {"src": "pkg/child.py:Child.run", "dst": "pkg/base.py:Base.save", "kind": "CALLS", "line": 14} in data["edges"]
    text = orch("graph", "show", "Base.save", "--repo", str(repo), index_dir=idx)
    assert text.returncode == 0 and "<- CALLS      pkg/child.py:Child.run" in text.stdout

    missing = orch("graph", "show", "nope.py:x", "--repo", str(repo), index_dir=idx)
    assert missing.returncode == 1 and missing.stderr.strip().startswith("error: no node")


def test_corrupted_index_is_one_line_and_rebuild_fixes_it(fixture_repo, tmp_path: Path) -> None:
    repo = fixture_repo("python")
    idx = tmp_path / "idx"
    assert orch("index", str(repo), index_dir=idx).returncode == 0
    (index_file,) = idx.glob("*.sqlite")
    index_file.write_bytes(b"garbage" * 100)
    out = orch("search", "save", "--repo", str(repo), index_dir=idx)
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "is not an orch index" in lines[0] and "--rebuild" in lines[0]
    fixed = orch("index", str(repo), "--rebuild", index_dir=idx)
    assert fixed.returncode == 0 and "6 parsed" in fixed.stdout


def test_unknown_backend_and_missing_repo_are_usage_errors(tmp_path: Path) -> None:
    assert orch("index", str(tmp_path), "--graph", "mysql", index_dir=tmp_path).returncode == 2
    assert orch("index", str(tmp_path / "missing"), index_dir=tmp_path).returncode == 2
