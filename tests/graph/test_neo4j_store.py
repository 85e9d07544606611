"""The Neo4j backend as a shared store: clear errors when the server is down or refuses us, the
read-only passthrough, interrupted indexes, deleting one commit's view, several repositories in
one database, idempotent schema, and the CLI on `--graph neo4j`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import structlog.testing
from support.neo4j_server import free_loopback_port

from graph_index import GraphSettings, GraphStoreError, NotIndexedError, open_graph
from graph_index.config import Neo4jSettings
from graph_index.neo4j_backend import Neo4jGraph, WriteQueryRefused
from graph_index.neo4j_backend import connection as connection_mod
from graph_index.neo4j_backend import writer as writer_mod
from graph_index.neo4j_backend.schema import FULLTEXT_INDEX, RETIRED, ensure_schema

from .conftest import commit_all, git
from .helpers import code_edges, dump
from .test_neo4j_parity import assert_same

pytestmark = pytest.mark.neo4j


def neo_settings(neo4j_server, tmp: Path, **override: str) -> GraphSettings:
    """Settings for the test server; `tmp` holds the local piece cache (not the user's ~/.cache)."""
    uri, user, password = neo4j_server
    fields = {"uri": uri, "user": user, "password": password, **override}
    return GraphSettings(backend="neo4j", index_dir=tmp / "index", neo4j=Neo4jSettings(**fields))


def test_closed_port_is_one_clear_error(fixture_repo) -> None:
    uri = f"bolt://127.0.0.1:{free_loopback_port()}"
    with pytest.raises(GraphStoreError) as info:
        open_graph(GraphSettings(backend="neo4j", neo4j=Neo4jSettings(uri=uri)), fixture_repo("python"))
    message = str(info.value)
    assert message.startswith(f"cannot use Neo4j at {uri}: server unreachable")
    assert "\n" not in message and info.value.__cause__ is None and info.value.__suppress_context__


def test_wrong_password_is_one_clear_error(neo4j_server, fixture_repo, tmp_path) -> None:
    settings = neo_settings(neo4j_server, tmp_path, password="not-the-password")
    with pytest.raises(GraphStoreError) as info:  # one attempt only: Neo4j locks a user after several
        open_graph(settings, fixture_repo("python"))
    assert str(info.value) == (
        f"cannot use Neo4j at {neo4j_server[0]}: authentication failed "
        "(check graph.neo4j.user / graph.neo4j.password)"
    )


def test_cypher_passthrough_reads_limits_and_refuses_writes(neo4j_server, fixture_repo, tmp_path) -> None:
    repo = fixture_repo("python")
    g = open_graph(neo_settings(neo4j_server, tmp_path), repo)
    try:
        g.index(repo)
        _, edges = dump(g)
        calls = sorted((s, d) for s, k, d in code_edges(edges) if k == "CALLS")
        rows = g.cypher(
            "MATCH (s:Sym {repo: $repo})-[r:CALLS]->(t:Sym) WHERE r.g IN $groups "
            "RETURN s.id AS caller, t.id AS callee ORDER BY caller, callee"
        )
        assert [(r["caller"], r["callee"]) for r in rows] == calls
        assert len(g.cypher("MATCH (n:Code {repo: $repo}) RETURN n.id AS id", limit=2)) == 2
        for query in ("CREATE (:OrchIntruder)", "MATCH (n:Code {repo: $repo}) DETACH DELETE n",
                      "MATCH (n:Code) SET n.name = 'x'"):
            with pytest.raises(WriteQueryRefused, match="read-only"):
                g.cypher(query)
        # Past the guard, the read transaction itself refuses to write.
        with pytest.raises(GraphStoreError, match="refused a query"):
            g.conn.read(lambda tx: tx.run("CREATE (:OrchIntruder)").consume())
        assert g.cypher("MATCH (n:OrchIntruder) RETURN count(n) AS n") == [{"n": 0}]
        assert dump(g) == (dump(g)[0], edges)
        with pytest.raises(GraphStoreError, match="TransactionTimedOut|timed out|terminated"):
            g.cypher("UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS n", timeout=0.3)
    finally:
        g.close()


def _relationship_duplicates(g: Neo4jGraph) -> int:
    rows = g.cypher(
        "MATCH (a:Sym {repo: $repo})-[r]->(b) WITH a, b, type(r) AS t, r.g AS grp, count(*) AS c "
        "WHERE c > 1 RETURN count(*) AS n"
    )
    return rows[0]["n"]


def _counts(g: Neo4jGraph) -> tuple[int, int, int]:
    row = g.cypher(
        "CALL () { MATCH (n:Code {repo: $repo}) RETURN count(n) AS nodes } "
        "CALL () { MATCH (s:Sym {repo: $repo}) RETURN count(s) AS anchors } "
        "CALL () { MATCH (:Sym {repo: $repo})-[r]->() RETURN count(r) AS rels } "
        "RETURN nodes, anchors, rels"
    )[0]
    return row["nodes"], row["anchors"], row["rels"]


@pytest.mark.parametrize("cut", ["nodes", "anchors", "relationships"])
def test_interrupted_index_resumes_without_duplicates(cut, neo4j_server, fixture_repo, tmp_path, monkeypatch) -> None:
    """A run killed half-way through writing nodes, anchors or relationships is finished by the
    next run: same graph as the embedded store's, no duplicate, same counts as a clean rebuild."""
    repo = fixture_repo("python", with_git=True)
    settings = neo_settings(neo4j_server, tmp_path)
    monkeypatch.setattr(writer_mod, "BATCH", 4)  # many small transactions, so the cut lands mid-way
    state = {"calls": 0, "fired": False}
    real_execute = connection_mod.Connection.execute
    real_anchors = writer_mod.Writer.put_anchors
    marker = {"nodes": "CREATE (n:Code", "relationships": "CREATE (a)-["}.get(cut)

    def execute(self, cypher, **params):
        if marker and marker in cypher and not state["fired"]:
            state["calls"] += 1
            if state["calls"] == 2:
                state["fired"] = True
                raise KeyboardInterrupt
        return real_execute(self, cypher, **params)

    def put_anchors(self, anchors):
        if cut == "anchors" and not state["fired"]:
            state["fired"] = True
            real_anchors(self, anchors[: len(anchors) // 2])
            raise KeyboardInterrupt
        return real_anchors(self, anchors)

    monkeypatch.setattr(connection_mod.Connection, "execute", execute)
    monkeypatch.setattr(writer_mod.Writer, "put_anchors", put_anchors)
    g = open_graph(settings, repo)
    with pytest.raises(KeyboardInterrupt):
        g.index(repo, "HEAD")
    assert state["fired"], "the interruption never happened"
    resumed = g.index(repo, "HEAD")
    assert resumed.files_total == 6
    assert _relationship_duplicates(g) == 0
    counts = _counts(g)
    emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo)
    emb.index(repo, "HEAD")
    assert dump(g) == dump(emb)
    g.close()
    rebuilt = open_graph(settings, repo, rebuild=True)
    rebuilt.index(repo, "HEAD")
    assert _counts(rebuilt) == counts
    rebuilt.close()
    emb.close()


def _two_commits(repo: Path) -> tuple[str, str]:
    c1 = git(repo, "rev-parse", "HEAD")
    base = repo / "pkg" / "base.py"
    base.write_text(base.read_text() + "\n\ndef added(y):\n    return y\n")
    (repo / "pkg" / "child.py").unlink()
    return c1, commit_all(repo, "second")


def test_deleting_one_commit_leaves_the_other_intact(neo4j_server, fixture_repo, tmp_path) -> None:
    repo = fixture_repo("python", with_git=True)
    c1, c2 = _two_commits(repo)
    settings = neo_settings(neo4j_server, tmp_path)
    g = open_graph(settings, repo)
    g.index(repo, c1)
    g.index(repo, c2)
    other = fixture_repo("go")
    og = open_graph(settings, other)
    og.index(other)
    other_dump = dump(og)
    before = _counts(g)
    g.delete_commit(c1)  # type: ignore[attr-defined]
    with pytest.raises(NotIndexedError):
        open_graph(settings, repo, c1).files()
    emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo)
    emb.index(repo, c2)
    survivor = open_graph(settings, repo, c2)
    assert_same(emb, survivor, searches=False)
    assert _counts(survivor)[0] < before[0]
    survivor.delete_commit(c2)  # type: ignore[attr-defined]
    assert _counts(survivor) == (0, 0, 0)
    assert dump(og) == other_dump  # another repository in the same database is untouched
    for graph in (g, og, emb, survivor):
        graph.close()


def test_a_commit_deleted_under_a_reader_is_one_clear_error(neo4j_server, fixture_repo, tmp_path) -> None:
    """Nodes are built from the contents' blobs when first read: a reader bound to a commit that
    another process deletes gets a `GraphStoreError` saying what to do, not a crash."""
    repo = fixture_repo("python")
    settings = neo_settings(neo4j_server, tmp_path)
    writer = open_graph(settings, repo)
    writer.index(repo)
    reader = open_graph(settings, repo)
    path = reader.files()[0]  # bound; no content read yet
    writer.delete_commit(None)  # type: ignore[attr-defined]
    with pytest.raises(GraphStoreError, match="index the commit again"):
        reader.file_skeleton(path)
    for graph in (writer, reader):
        graph.close()


def test_repositories_share_a_database_without_colliding(neo4j_server, fixture_repo, tmp_path) -> None:
    settings = neo_settings(neo4j_server, tmp_path)
    a = fixture_repo("python")
    b = tmp_path / "copy" / "python"
    shutil.copytree(a, b)
    (b / "pkg" / "base.py").write_text((b / "pkg" / "base.py").read_text().replace("Save x.", "Keep x."))
    ga, gb = open_graph(settings, a), open_graph(settings, b)
    ga.index(a)
    gb.index(b)
    assert ga.repo != gb.repo  # type: ignore[attr-defined]
    assert ga.node("pkg/base.py:Base.save").docstring == "Save x."  # type: ignore[union-attr]
    assert gb.node("pkg/base.py:Base.save").docstring == "Keep x."  # type: ignore[union-attr]
    assert [h.node.id for h in ga.search("keep")] == []
    assert [h.node.id for h in gb.search("keep")] == ["pkg/base.py:Base.save"]
    ga.close()
    gb.close()


def test_schema_setup_is_idempotent(neo4j_server, tmp_path) -> None:
    conn = connection_mod.Connection(neo_settings(neo4j_server, tmp_path).neo4j)
    try:
        def snapshot():
            indexes = conn.rows("SHOW INDEXES YIELD name, state RETURN name, state ORDER BY name")
            constraints = conn.rows("SHOW CONSTRAINTS YIELD name RETURN name ORDER BY name")
            return indexes, constraints

        # An index an earlier version created (the full-text index updated inside each commit)
        # is dropped; its replacement keeps Lucene off the commit path.
        conn.schema("CREATE FULLTEXT INDEX orch_code_terms IF NOT EXISTS FOR (n:Code) ON EACH [n.t_set]")
        # ... and the one over `Code` nodes (one Lucene document per definition, not per content).
        conn.schema("CREATE FULLTEXT INDEX orch_code_tokens IF NOT EXISTS FOR (n:Code) ON EACH [n.t_set] "
                    "OPTIONS {indexConfig: {`fulltext.eventually_consistent`: true}}")
        # ... and so is a relationship index on the group key (deletes find groups from anchors).
        conn.schema("CREATE INDEX orch_rel_calls_g IF NOT EXISTS FOR ()-[r:CALLS]-() ON (r.g)")
        ensure_schema(conn.schema)
        first = snapshot()
        ensure_schema(conn.schema)
        assert snapshot() == first
        names = {r["name"] for r in first[0]}
        assert {FULLTEXT_INDEX, "orch_code_uid", "orch_sym_key"} <= names
        assert "orch_rel_calls_g" in RETIRED
        assert not names & set(RETIRED)
        options = conn.values("SHOW INDEXES YIELD name, options WHERE name = $name RETURN options", name=FULLTEXT_INDEX)
        assert options[0][0]["indexConfig"]["fulltext.eventually_consistent"] is True
    finally:
        conn.close()


def orch(*args: str, neo4j_server, index_dir: Path, **override: str) -> subprocess.CompletedProcess[str]:
    """The CLI on the test server; `index_dir` holds the local piece cache (not ~/.cache)."""
    uri, user, password = neo4j_server
    values = {"uri": uri, "user": user, "password": password, **override}
    sets = [x for k, v in values.items() for x in ("--set", f"graph.neo4j.{k}={v}")]
    sets += ["--set", f"graph.index_dir={index_dir}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_GRAPH") and k != "ORCH_CONFIG"}
    return subprocess.run([sys.executable, "-m", "orchestrator", *sets, *args], capture_output=True, text=True,
                          env=env, timeout=180)


def test_cli_on_neo4j(neo4j_server, fixture_repo, tmp_path) -> None:
    repo = fixture_repo("python", with_git=True)
    idx = tmp_path / "index"
    out = orch("index", str(repo), "--graph", "neo4j", neo4j_server=neo4j_server, index_dir=idx)
    assert out.returncode == 0, out.stderr
    assert "6 parsed, 0 reused, 3 skipped" in out.stdout and "bolt://" in out.stdout
    hits = orch("search", "save", "--repo", str(repo), "--graph", "neo4j", "--json", neo4j_server=neo4j_server, index_dir=idx)
    assert hits.returncode == 0, hits.stderr
    assert '"pkg/base.py:Base.save"' in hits.stdout
    shown = orch("graph", "show", "Base.save", "--repo", str(repo), "--graph", "neo4j", neo4j_server=neo4j_server, index_dir=idx)
    assert shown.returncode == 0 and "<- CALLS      pkg/child.py:Child.run" in shown.stdout, shown.stdout + shown.stderr
    closed = f"bolt://127.0.0.1:{free_loopback_port()}"
    down = orch("search", "save", "--repo", str(repo), "--graph", "neo4j", neo4j_server=neo4j_server, index_dir=idx, uri=closed)
    assert down.returncode != 0
    assert f"cannot use Neo4j at {closed}: server unreachable" in down.stderr
    assert "Traceback" not in down.stderr and len(down.stderr.strip().splitlines()) == 1, down.stderr


def _index_in_process(uri: str, user: str, password: str, repo: str, commit: str, index_dir: str, queue) -> None:
    try:
        # One index_dir for every process: they share the local piece cache too.
        neo4j = Neo4jSettings(uri=uri, user=user, password=password)
        settings = GraphSettings(backend="neo4j", index_dir=Path(index_dir), neo4j=neo4j)
        with open_graph(settings, repo) as g:  # type: ignore[attr-defined]
            stats = g.index(repo, commit)
        queue.put(("ok", stats.files_total))
    except BaseException as exc:  # report any failure to the parent instead of dying silently
        queue.put(("error", f"{type(exc).__name__}: {exc}"))


def test_concurrent_indexers_of_one_repository_write_everything_once(neo4j_server, fixture_repo, tmp_path) -> None:
    import multiprocessing

    repo = fixture_repo("python", with_git=True)
    c1, c2 = _two_commits(repo)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_index_in_process, args=(*neo4j_server, str(repo), c, str(tmp_path / "index"), queue))
             for c in (c1, c2, c1, c2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(r[0] == "ok" for r in results), results
    settings = neo_settings(neo4j_server, tmp_path)
    for commit in (c1, c2):
        emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo)
        emb.index(repo, commit)
        neo = open_graph(settings, repo, commit)
        assert dump(neo) == dump(emb)
        assert _relationship_duplicates(neo) == 0
        neo.close()
        emb.close()
    check = open_graph(settings, repo)
    assert check.cypher(
        "MATCH (n:Code {repo: $repo}) WITH n.uid AS uid, count(*) AS c WHERE c > 1 RETURN count(*) AS n"
    ) == [{"n": 0}]
    assert check.cypher("MATCH (x:Unit {repo: $repo}) WHERE NOT x.done RETURN count(x) AS n") == [{"n": 0}]
    check.close()


def test_a_dead_indexers_claims_are_taken_over(neo4j_server, fixture_repo, tmp_path, monkeypatch) -> None:
    """Markers claimed by a run that died (no heartbeat) block others only until they go stale."""
    import time

    repo = fixture_repo("python", with_git=True)
    settings = neo_settings(neo4j_server, tmp_path)
    g = open_graph(settings, repo)
    layout_units = None

    real_claim = writer_mod.Writer.claim

    def claim_after_a_dead_run(self, label, keys, me):
        nonlocal layout_units
        if layout_units is None and label == "Unit":
            layout_units = list(keys)
            # A run that claimed everything a moment ago, wrote half the nodes' worth, and died.
            self.conn.execute(
                "UNWIND $keys AS k MERGE (x:Unit {key: k}) SET x.repo = $repo, x.done = false, "
                "x.owner = 'dead', x.at = $now, x.fresh = true",
                keys=list(keys), repo=self.repo, now=time.time(),
            )
            self.conn.execute("UNWIND $keys AS k CREATE (:Code {uid: k + '|leftover', unit: k, repo: $repo})",
                              keys=list(keys), repo=self.repo)
        return real_claim(self, label, keys, me)

    monkeypatch.setattr(writer_mod, "STALE_S", 1.0)
    monkeypatch.setattr(writer_mod.Writer, "claim", claim_after_a_dead_run)
    started = time.monotonic()
    g.index(repo, "HEAD")
    assert time.monotonic() - started >= 1.0  # it waited for the claim to go stale
    emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo)
    emb.index(repo, "HEAD")
    assert dump(g) == dump(emb)
    assert g.cypher("MATCH (n:Code {repo: $repo}) WHERE n.uid ENDS WITH '|leftover' RETURN count(n) AS n") == [{"n": 0}]
    g.close()
    emb.close()


def test_an_interrupted_runs_edge_groups_are_written_again_without_duplicates(
        neo4j_server, fixture_repo, tmp_path, monkeypatch) -> None:
    """A run killed after writing an edge group's relationships, before marking it done,
    releases its claims; the next run takes the group over, deletes what was written of it
    (found from the anchors its rows start at) and writes it once."""
    repo = fixture_repo("python", with_git=True)
    settings = neo_settings(neo4j_server, tmp_path)
    g = open_graph(settings, repo)
    real_put_groups = writer_mod.Writer.put_groups

    def put_groups_then_die(self, claims, groups, ids):
        real_put_groups(self, claims, groups, ids)
        raise RuntimeError("killed after writing the relationships")

    monkeypatch.setattr(writer_mod.Writer, "put_groups", put_groups_then_die)
    with pytest.raises(RuntimeError, match="killed"):
        g.index(repo, "HEAD")
    monkeypatch.setattr(writer_mod.Writer, "put_groups", real_put_groups)
    left = g.cypher("MATCH (x:Group {repo: $repo}) WHERE NOT x.done "
                    "MATCH (:Sym {repo: $repo})-[r]->() WHERE r.g = x.key RETURN count(r) AS n")
    assert left[0]["n"] > 0  # half-written groups, left for the next run to take over
    g.index(repo, "HEAD")
    emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo)
    emb.index(repo, "HEAD")
    assert dump(g) == dump(emb)
    assert _relationship_duplicates(g) == 0
    assert g.cypher("MATCH (x:Group {repo: $repo}) WHERE NOT x.done RETURN count(x) AS n") == [{"n": 0}]
    g.close()
    emb.close()


def test_a_tree_indexed_before_is_reused_whole(neo4j_server, fixture_repo, tmp_path) -> None:
    """The same tree again (the commit twice, or a clean working tree) writes only its commit."""
    repo = fixture_repo("python", with_git=True)
    g = open_graph(neo_settings(neo4j_server, tmp_path), repo)
    first = g.index(repo, "HEAD")
    before = _counts(g)
    again = g.index(repo, "HEAD")
    worktree = g.index(repo)  # same content as HEAD
    assert _counts(g) == before
    for stats in (again, worktree):
        assert (stats.nodes, stats.edges, stats.files_total, stats.files_parsed) == (
            first.nodes, first.edges, first.files_total, 0)
    assert g.commit is None
    emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo)
    emb.index(repo)
    assert dump(g) == dump(emb)
    g.close()
    emb.close()


def _indexed_event(g, repo: Path, commit: str) -> dict:
    with structlog.testing.capture_logs() as logs:
        g.index(repo, commit)
    (event,) = [e for e in logs if e["event"] == "indexed"]
    return event


def test_a_second_commit_resolves_only_changed_files_and_their_readers(neo4j_server, fixture_repo, tmp_path) -> None:
    """Files whose recorded reads answer the same in the new commit keep their edges without being
    resolved; a changed file and the files that read a changed answer of it are resolved again.
    Every view still answers exactly as the embedded store does."""
    repo = fixture_repo("python", with_git=True)
    c1 = git(repo, "rev-parse", "HEAD")
    util = repo / "pkg" / "util.py"
    util.write_text(util.read_text().replace("return inner()", "return inner() + 0"))
    c2 = commit_all(repo, "body of helper changes, its name does not")
    util.write_text(util.read_text().replace("def helper(", "def assist("))
    c3 = commit_all(repo, "helper is renamed: child.py, which calls util.helper, resolves differently")
    g = open_graph(neo_settings(neo4j_server, tmp_path), repo)
    first = _indexed_event(g, repo, c1)
    files = first["files_total"]
    assert (first["files_resolved"], first["files_resolution_reused"]) == (files, 0)
    second = _indexed_event(g, repo, c2)
    assert (second["files_resolved"], second["files_resolution_reused"]) == (1, files - 1)
    third = _indexed_event(g, repo, c3)
    assert (third["files_resolved"], third["files_resolution_reused"]) == (2, files - 2)
    emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo)
    for commit in (c1, c2, c3):
        emb.index(repo, commit)
    assert ("pkg/child.py:Child.size", "CALLS", "pkg/util.py:helper") not in dump(emb)[1]
    assert_same(emb, g)
    for commit in (c1, c2):
        old_emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo, commit)
        old_neo = open_graph(neo_settings(neo4j_server, tmp_path), repo, commit)
        assert ("pkg/child.py:Child.size", "CALLS", "pkg/util.py:helper") in dump(old_emb)[1]
        assert_same(old_emb, old_neo, searches=False)
        old_emb.close()
        old_neo.close()
    # Forgetting a commit forgets the resolutions only it used; indexing it again resolves them again.
    g.delete_commit(c3)  # type: ignore[attr-defined]
    dangling = "MATCH (r:Res {repo: $repo}) WHERE NOT EXISTS { MATCH (x:Group {key: r.group}) } RETURN count(r) AS n"
    assert g.cypher(dangling) == [{"n": 0}]
    again = _indexed_event(g, repo, c3)
    assert (again["files_resolved"], again["files_resolution_reused"]) == (2, files - 2)
    assert_same(emb, g, searches=False)
    for commit in (c1, c2, c3):
        g.delete_commit(commit)  # type: ignore[attr-defined]
    assert g.cypher("MATCH (r:Res {repo: $repo}) RETURN count(r) AS n") == [{"n": 0}]
    g.close()
    emb.close()


def test_a_listed_file_that_turns_out_binary_leaves_the_same_graph(neo4j_server, fixture_repo, tmp_path) -> None:
    """File units are written while contents are still parsed, under the view as listed; a
    listed file whose content is binary leaves the view, and the graph still equals the
    embedded store's (the early units are keyed by the listed view's module names)."""
    repo = fixture_repo("python", with_git=True)
    (repo / "pkg" / "__init__.py").write_bytes(b"\x00\x01binary\x00")
    (repo / "pkg" / "zz_binary.py").write_bytes(b"\x00\x02\x00")
    commit = commit_all(repo, "binary files")
    g = open_graph(neo_settings(neo4j_server, tmp_path), repo, rebuild=True)
    stats = g.index(repo, commit)
    emb = open_graph(GraphSettings(index_dir=tmp_path / "index"), repo)
    emb_stats = emb.index(repo, commit)
    assert (stats.files_total, stats.nodes, stats.edges) == (emb_stats.files_total, emb_stats.nodes, emb_stats.edges)
    assert dump(g) == dump(emb)
    g.close()
    emb.close()
