"""History evidence: past commits whose messages read like the issue point at the files they touched."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from graph_index import GraphSettings, open_graph
from graph_index.config import Neo4jSettings
from graph_index.localize import localize
from graph_index.localize.access import ViewAccess
from graph_index.localize.history import (
    HALF_LIFE,
    MAX_FILES_PER_COMMIT,
    HistorySource,
    PastCommit,
    evidence_from,
    files_args,
    history_evidence,
    in_background,
    log_args,
    parse_log,
    read_files,
    read_log,
    similar_commits,
)
from graph_index.localize.locate import localize_with
from graph_index.localize.scoring import Weights
from graph_index.localize.view import RepoView, Symbol

from .conftest import commit_all, git

FILES = ["pkg/__init__.py", "pkg/cache.py", "pkg/store.py", "pkg/session.py"]


def test_parse_log_reads_messages_times_and_files() -> None:
    raw = (
        "warning: a line before any commit\n"
        "\x1eaaa\x1f1700000100\x1fFix eviction\n\nWhen full, the oldest entry stays.\n\x1f\n\npkg/cache.py\npkg/store.py\n"
        "\x1ebbb\x1f1700000000\x1fEmpty commit\n\x1f\n"
        "\x1enot a commit\x1f\n"
    )
    got = parse_log(raw)
    assert got == [
        PastCommit(
            "aaa",
            1700000100,
            "Fix eviction\n\nWhen full, the oldest entry stays.",
            ("pkg/cache.py", "pkg/store.py"),
        ),
        PastCommit("bbb", 1700000000, "Empty commit", ()),
    ]
    args = log_args("abc123", 50)
    # Only history reachable from the view's revision, bounded, merges (no own diff) left out.
    assert args[-2:] == ["abc123", "--"] and "--max-count=50" in args and "--no-merges" in args
    assert "--name-only" not in args  # messages only: diffing every commit is the costly part
    assert files_args(["a", "b"])[-3:] == ["a", "b", "--"]


def _commit(sha: str, message: str, files: tuple[str, ...] = ()) -> PastCommit:
    return PastCommit(sha, 0, message, files)


def test_similar_commits_rank_messages_and_decay_with_age() -> None:
    commits = [
        _commit("new", "Session timeout is ignored"),
        _commit("fix", "Fix eviction of the oldest entry when the cache is full"),
        *(_commit(f"pad{i}", f"Tidy module {i}") for i in range(HALF_LIFE)),
        _commit("old", "Fix eviction of the oldest entry when the cache is full"),
    ]
    got = similar_commits("The cache eviction drops the newest entry when full", commits)
    assert [c.sha for c, _ in got] == ["fix", "old"]  # "new" shares no word; padding neither
    # The same message a half-life further back counts about half.
    assert got[1][1] == pytest.approx(got[0][1] / 2, rel=0.01)
    assert similar_commits("anything", []) == []


def test_history_evidence_skips_wide_commits_foreign_files_and_shares_weight() -> None:
    wide = tuple(f"pkg/m{i}.py" for i in range(MAX_FILES_PER_COMMIT + 1))
    similar = [
        (_commit("wide", "Fix eviction everywhere", wide), 9.0),
        (
            _commit("gone", "Fix eviction in the old cache", ("old/cache.py",)),
            8.0,
        ),  # not in the view
        (_commit("unread", "Fix eviction"), 7.0),  # files unknown: nothing to point at
        (
            _commit("c1", "Fix eviction when the cache is full", ("pkg/cache.py", "pkg/store.py")),
            6.0,
        ),
        (_commit("c2", "Store keeps stale entries after eviction", ("pkg/store.py",)), 3.0),
    ]
    ev = history_evidence(similar, [*FILES, *wide])
    assert {e.kind for e in ev} == {"history"}
    by: dict[str, list] = {}
    for e in ev:
        by.setdefault(e.target, []).append(e)
    assert set(by) == {"pkg/cache.py", "pkg/store.py"}
    # The best kept commit counts fully, shared between its two files; the next at its ratio.
    assert [e.weight for e in by["pkg/cache.py"]] == [pytest.approx(1 / math.sqrt(2))]
    assert sorted(e.weight for e in by["pkg/store.py"]) == [
        pytest.approx(0.5),
        pytest.approx(1 / math.sqrt(2)),
    ]
    assert (
        by["pkg/cache.py"][0].note
        == 'past commit c1 "Fix eviction when the cache is full" touched it'
    )
    assert history_evidence([], FILES) == []


def test_evidence_from_reads_files_of_the_similar_commits_only() -> None:
    commits = [_commit("a", "Fix eviction when the cache is full"), _commit("b", "Session timeout")]
    asked: list[list[str]] = []

    def changed(shas: list[str]) -> dict[str, tuple[str, ...]]:
        asked.append(shas)
        return {"a": ("pkg/cache.py",), "b": ("pkg/session.py",)}

    ev = evidence_from("cache eviction when full", lambda: commits, changed, FILES)
    assert asked == [["a"]]
    assert [e.target for e in ev] == ["pkg/cache.py"]
    assert evidence_from("cache eviction", list, changed, FILES) == [] and asked == [["a"]]


def _repo(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository whose view commit comes after a fix to the cache, and before a later fix to
    the session that must never be seen from the view."""
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "__init__.py").write_text("")
    for name in ("cache", "store", "session"):
        (repo / "pkg" / f"{name}.py").write_text(f"def {name}_get(key):\n    return key\n")
    git(repo, "init", "-q")
    commit_all(repo, "Initial layout")
    (repo / "pkg" / "cache.py").write_text("def cache_get(key):\n    return key  # evict oldest\n")
    commit_all(repo, "Fix eviction of the oldest entry when the cache is full")
    (repo / "pkg" / "store.py").write_text("def store_get(key):\n    return str(key)\n")
    view = commit_all(repo, "Store returns strings")
    (repo / "pkg" / "session.py").write_text("def session_get(key):\n    return None\n")
    later = commit_all(repo, "Fix stale sessions after eviction when full")
    return repo, view, later


def test_read_log_sees_only_history_reachable_from_the_view(tmp_path: Path, monkeypatch) -> None:
    repo, view, later = _repo(tmp_path)
    got = read_log(HistorySource(repo, view))
    assert [c.message for c in got] == [
        "Store returns strings",
        "Fix eviction of the oldest entry when the cache is full",
        "Initial layout",
    ]
    assert got[0].sha == view and all(c.files == () for c in got)
    assert later not in {c.sha for c in got}
    files = read_files(HistorySource(repo, view), [got[1].sha, got[0].sha])
    assert files == {got[1].sha: ("pkg/cache.py",), got[0].sha: ("pkg/store.py",)}
    assert read_files(HistorySource(repo, view), []) == {}
    assert read_files(HistorySource(repo, view), ["0" * 40]) == {}
    assert len(read_log(HistorySource(repo, view), max_commits=2)) == 2
    assert read_log(HistorySource(repo, "HEAD"))[0].sha == later
    # Failures mean no history, never an error: unknown commit, no repository, no git.
    assert read_log(HistorySource(repo, "0" * 40)) == []
    assert read_log(HistorySource(tmp_path / "missing", view)) == []
    assert read_log(None) == []
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert read_log(HistorySource(repo, view)) == []
    assert read_files(HistorySource(repo, view), [view]) == {}


ISSUE = "Eviction misbehaves when the cache is full: the oldest entry stays"


def test_localize_on_graph_reads_history_at_the_view_commit(tmp_path: Path, monkeypatch) -> None:
    repo, view, later = _repo(tmp_path)
    g = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo, None)
    try:
        g.index(repo, view)
        loc = localize(g, ISSUE, top_k=4)
        assert loc.files[0].path == "pkg/cache.py"
        fix = git(repo, "rev-parse", f"{view}~1")
        hist = [e for f in loc.files for e in f.evidence if e.startswith("past commit")]
        assert hist and all("stale sessions" not in e for e in hist)  # the later fix is invisible
        want = f'past commit {fix[:10]} "Fix eviction of the oldest entry when the cache is full" touched it'
        assert want in loc.files[0].evidence
        assert not any(
            e.startswith("past commit")
            for f in loc.files
            if f.path == "pkg/session.py"
            for e in f.evidence
        )
        # The history weight off, or no git on PATH: no history evidence, the rest still answers.
        off = localize(g, ISSUE, top_k=4, weights=Weights(history=0.0))
        assert not any(e.startswith("past commit") for f in off.files for e in f.evidence)
        monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
        bare = localize(g, ISSUE, top_k=4)
        assert bare.files and not any(
            e.startswith("past commit") for f in bare.files for e in f.evidence
        )
    finally:
        g.close()


def test_history_from_elsewhere_for_a_tree_without_git(tmp_path: Path) -> None:
    """A tree written from a bare mirror has no history: the caller says where it lives."""
    repo, view, _later = _repo(tmp_path)
    mirror = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(mirror))
    tree = tmp_path / "tree"
    git(repo, "worktree", "add", "-q", "--detach", str(tree), view)
    (tree / ".git").unlink()  # a plain directory now
    g = open_graph(GraphSettings(index_dir=tmp_path / "index"), tree, None)
    try:
        g.index(tree)
        assert not any(
            e.startswith("past commit")
            for f in localize(g, ISSUE, top_k=4).files
            for e in f.evidence
        )
        loc = localize(g, ISSUE, top_k=4, history=HistorySource(mirror, view))
        assert loc.files[0].path == "pkg/cache.py"
        assert any(e.startswith("past commit") for e in loc.files[0].evidence)
    finally:
        g.close()


def test_localize_with_view_access_and_history_source(tmp_path: Path) -> None:
    repo, view, _later = _repo(tmp_path)
    files = {p: (repo / p).read_text() for p in FILES}
    symbols = [
        Symbol(
            f"pkg/{n}.py:{n}_get",
            f"pkg/{n}.py",
            f"{n}_get",
            f"{n}_get",
            "function",
            1,
            2,
            f"def {n}_get(key)",
        )
        for n in ("cache", "store", "session")
    ]
    rv = RepoView(files=files, symbols={s.id: s for s in symbols})
    loc = localize_with(ViewAccess(rv, history=HistorySource(repo, view)), ISSUE, top_k=4)
    assert loc.files[0].path == "pkg/cache.py"
    assert not any(
        e.startswith("past commit")
        for f in localize_with(ViewAccess(rv), ISSUE).files
        for e in f.evidence
    )


@pytest.mark.neo4j
def test_history_evidence_identical_on_both_backends(tmp_path: Path, neo4j_server) -> None:
    """History is read from the repository on disk, keyed by path and commit: no backend differs."""
    uri, user, password = neo4j_server
    repo, view, _later = _repo(tmp_path)
    emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo, None)
    neo = open_graph(
        GraphSettings(backend="neo4j", index_dir=tmp_path / "index", neo4j=Neo4jSettings(uri=uri, user=user, password=password)),
        repo,
        None,
    )
    try:
        emb.index(repo, view)
        neo.index(repo, view)
        got = localize(neo, ISSUE, top_k=4)
        assert got == localize(emb, ISSUE, top_k=4)
        assert any(e.startswith("past commit") for e in got.files[0].evidence)
    finally:
        emb.close()
        neo.close()


def test_in_background_runs_on_a_thread_and_swallows_failures() -> None:
    import threading

    seen: list[str] = []

    def compute() -> list:
        seen.append(threading.current_thread().name)
        return [1]

    assert in_background(compute)() == [1]
    assert seen and seen[0].startswith("history")

    def broken() -> list:
        raise RuntimeError("store closed")

    assert in_background(broken)() == []
