"""Several processes read one index while another process writes new commits into it."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from graph_index import GraphSettings, open_graph

from .conftest import commit_all, git


def _reader(index_path: str, repo: str, rounds: int, queue) -> None:
    try:
        g = open_graph(GraphSettings(), repo, index_path=index_path)
        seen = 0
        for _ in range(rounds):
            hits = g.search("save check", k=5)
            assert hits and hits[0].node.id == "pkg/base.py:Base.save", hits
            assert "pkg/child.py:Child.run" in g.callers("pkg/base.py:Base.save").ids()
            assert g.node("pkg.base") is not None
            # A fresh handle sees whatever view is latest, and it must be complete.
            fresh = open_graph(GraphSettings(), repo, index_path=index_path)
            assert len(fresh.files()) >= 6
            fresh.close()
            seen += 1
        g.close()
        queue.put(("ok", seen))
    except BaseException as exc:  # report, do not hang the parent
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def _writer(index_path: str, repo: str, commits: list[str], queue) -> None:
    try:
        g = open_graph(GraphSettings(), repo, index_path=index_path)
        for c in commits:
            g.index(repo, c)
        g.close()
        queue.put(("ok", len(commits)))
    except BaseException as exc:
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def test_readers_and_a_writer_in_separate_processes(fixture_repo, tmp_path: Path) -> None:
    repo = fixture_repo("python", with_git=True)
    commits = []
    for i in range(6):
        (repo / f"pkg/gen{i}.py").write_text("".join(f"def f{i}_{j}():\n    return {j}\n\n" for j in range(200)))
        commits.append(commit_all(repo, f"c{i}"))
    index_path = tmp_path / "shared.sqlite"
    g = open_graph(GraphSettings(), repo, index_path=index_path)
    g.index(repo, git(repo, "rev-parse", "HEAD~6"))
    g.close()

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_reader, args=(str(index_path), str(repo), 25, queue)) for _ in range(3)]
    # Two writers on one file (batch workers indexing commits of one repository) interleave.
    procs.append(ctx.Process(target=_writer, args=(str(index_path), str(repo), commits, queue)))
    procs.append(ctx.Process(target=_writer, args=(str(index_path), str(repo), commits[::-1], queue)))
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(status == "ok" for status, _ in results), results
    assert all(p.exitcode == 0 for p in procs)
    final = open_graph(GraphSettings(), repo, commits[-1], index_path=index_path)
    assert final.node("pkg/gen5.py:f5_199") is not None
    final.close()
