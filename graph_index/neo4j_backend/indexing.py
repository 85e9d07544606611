"""Indexing into Neo4j: parse the contents the database lacks (Python by pieces, known pieces from
the local `pieces.PieceCache`, unless `graph.piece_cache` is off), resolve the view with the shared
`ViewGraph` (only the files whose recorded reads answer differently than in the view that
resolved them), write the units and edge groups no earlier view wrote, then the view and its
commit; and forgetting a commit, deleting what no remaining view uses."""

from __future__ import annotations

import contextlib
import gc
import marshal
import sys
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from graph_index.dependencies import NEVER, ReadCheck, TrackingResolver
from graph_index.indexer import list_view, parse_files
from graph_index.models import IndexStats
from graph_index.neo4j_backend.connection import Connection
from graph_index.neo4j_backend.layout import FORMAT, ViewLayout, digest
from graph_index.neo4j_backend.nodesource import pack_syms, unpack_syms
from graph_index.neo4j_backend.pieces import PieceCache
from graph_index.neo4j_backend.units import (
    corpus_stats,
    endpoint_anchors,
    materialize,
    search_props,
    unit_contents,
    unit_rows,
)
from graph_index.neo4j_backend.writer import Pipeline, Writer
from graph_index.parsing.facts import Ref, Symbol
from graph_index.resolve import FileTable, Resolver
from graph_index.viewgraph import ViewGraph

log = structlog.get_logger(__name__)


class BoundView:
    """One indexed view as queries need it: its layout and the groups whose relationships belong to it."""

    def __init__(self, key: str, layout: ViewLayout, unit_group: dict[str, int]) -> None:
        self.key = key
        self.layout = layout
        self.unit_group = unit_group
        self.groups = sorted(set(unit_group.values()))
        self.units = set(layout.units())
        self.path_of_unit = {u: p for p, u in layout.unit_of_path.items()}
        self.units_of_sha: dict[str, list[str]] = {}
        """content sha -> the view's file units holding it (search's documents are per content)."""
        for p, u in layout.unit_of_path.items():
            self.units_of_sha.setdefault(layout.shas[p], []).append(u)


def load_view(
    conn: Connection, repo: str, repo_name: str, commit_key: str | None, view_key: str | None = None
) -> tuple[BoundView, str | None] | None:
    """The view an indexed commit (or working tree) points at, and its commit sha; or the view
    `view_key` names."""
    if view_key is not None:
        rows = conn.rows("MATCH (v:View {key: $key}) RETURN null AS commit, v {.*} AS v", key=view_key)
    else:
        rows = conn.rows(
            "MATCH (c:Commit {key: $key}) MATCH (v:View {key: c.view}) RETURN c.commit AS commit, v {.*} AS v",
            key=f"{repo}|{commit_key}",
        )
    if not rows or rows[0]["v"].get("format") != FORMAT:
        return None  # a view another version wrote names units by other keys: index it again
    v = rows[0]["v"]
    layout = ViewLayout(repo, repo_name, dict(zip(v["paths"], v["shas"], strict=True)))
    return BoundView(v["key"], layout, dict(zip(v["group_units"], v["groups"], strict=True))), rows[0]["commit"]


def stored_uses(refs: list[tuple]) -> int:
    """The uses IndexStats counts as edges, as the embedded store counts them (assignments are
    facts for resolution, not edges)."""
    return sum(1 for r in refs if r[1] != "assign")


def pack_facts(row: tuple) -> tuple[bytes, bytes]:
    """A content's definitions and refs as its `Blob` keeps them (`syms`, `refs`): apart, so
    reading nodes (`nodesource`) unpacks no refs."""
    _sha, _language, _errors, _lines, _package, syms, refs = row
    return pack_syms(syms), zlib.compress(marshal.dumps(refs), 1)


def _resolution_version() -> str:
    """A digest of the code that decides a file's edges and its recorded reads."""
    from graph_index import dependencies, resolve, viewgraph
    from graph_index.neo4j_backend import units

    return digest(*(Path(m.__file__).read_text() for m in (resolve, viewgraph, dependencies, units)))  # type: ignore[arg-type]


SWITCH_INTERVAL_S = 0.0005
BLOB_BATCH = 100
"""Parsed contents handed to the background writer at a time."""
UNIT_BATCH = 2_000
"""Node rows handed to the background writer at a time: the server starts on the first ones while
the rest are computed."""
GROUP_BATCH = 10_000
"""Relationships resolved before they are handed to the background writer."""
NODES, GRAPH = 0, 1
"""Writer lanes: `Code` nodes, anchors; relationships go to the lane with less work queued."""
NODE_COST, ANCHOR_COST, EDGE_COST = 8, 2, 1
"""Rough server cost of writing a `Code` node, merging an anchor and creating a relationship
(sympy, full JIT: ~120, ~30 and ~15 us), to weigh the work queued on each lane."""

RESOLUTION = _resolution_version()
"""Version of the resolver's answers: part of every resolution record's key and checked when
reusing one, so records written by different resolution code are never reused (derived from the
source, so no one has to remember to bump it)."""


def view_graph(
    repo_name: str, layout: ViewLayout, facts: dict[str, tuple], tracking: bool = False,
    languages: dict[str, str] | None = None,
) -> ViewGraph:
    """The shared, lazily resolving graph of a view, over facts held in memory (with a
    `TrackingResolver` when `tracking`, which records what each file's resolution read).
    `languages` (path -> language) lets it be built before `facts` is complete: tables load
    lazily, when a path is first asked for."""
    shas = layout.shas

    def load(path: str) -> FileTable | None:
        sha = shas.get(path)
        if sha is None:
            return None
        language, _errors, _lines, package, syms, refs = facts[sha]
        return FileTable(path, language, [Symbol(*r) for r in syms], [Ref(*r) for r in refs], package)

    if languages is None:
        languages = {p: facts[s][0] for p, s in shas.items()}
    vg = ViewGraph(repo_name, languages, load, sha_of=lambda p: shas.get(p, ""),
                   resolver=TrackingResolver if tracking else Resolver)
    if tracking:
        vg.resolver.extra["code"] = vg._is_code  # type: ignore[attr-defined]
    return vg


def recorded_resolutions(writer: Writer, units: list[str]) -> dict[str, list[tuple[list[tuple], str, int]]]:
    """unit -> [(read keys, answers digest, group)] of the resolutions recorded for the file
    units among `units` (complete ones), read keys unpacked."""
    return {unit: [(marshal.loads(zlib.decompress(packed)), answers, group) for packed, answers, group in records]
            for unit, records in writer.resolutions(units, RESOLUTION).items()}


def reusable_resolutions(vg: ViewGraph, records: dict[str, list[tuple[list[tuple], str, int]]]
                         ) -> tuple[dict[str, int], int]:
    """unit -> group of the units whose recorded resolution (`recorded_resolutions`) made reads
    giving the same answers in this view; and how many distinct reads were checked."""
    check = ReadCheck(vg.resolver)  # type: ignore[arg-type]
    out: dict[str, int] = {}
    for unit, recorded in records.items():
        for keys, answers, group in recorded:
            if check.digest(keys) == answers:
                out[unit] = group
                break
    return out, check.reads_checked


@dataclass
class Stored:
    """What the database already holds for a view as listed, read on a side thread while the new
    contents are parsed: facts of the contents stored before, which of the view's units are
    written, and the resolutions recorded for its written file units."""

    facts: dict[str, tuple] = field(default_factory=dict)
    """sha -> (language, errors, lines, package, syms, refs)."""
    ntok: dict[str, int] = field(default_factory=dict)
    nrefs: dict[str, int] = field(default_factory=dict)
    done_units: dict[str, Any] = field(default_factory=dict)
    resolutions: dict[str, list[tuple[list[tuple], str, int]]] = field(default_factory=dict)


def read_stored(w: Writer, blob_keys: dict[str, str], shas: list[str], layout: ViewLayout) -> Stored:
    """`Stored` for the contents `shas` (stored before) and the units of `layout`."""
    out = Stored()
    got = w.blob_facts([blob_keys[sha] for sha in shas])
    for sha in shas:
        row = got.get(blob_keys[sha])
        if row is not None:
            syms, refs = unpack_syms(row[6][0]), marshal.loads(zlib.decompress(row[6][1]))
            out.facts[sha] = (row[0], row[1], row[2], row[3], syms, refs)
            out.ntok[sha] = row[7]
            out.nrefs[sha] = row[5]
    out.done_units = w.existing("Unit", layout.units(), "done")
    out.resolutions = recorded_resolutions(
        w, [u for u in layout.unit_of_path.values() if out.done_units.get(u) is True])
    return out


def resolution_rows(repo: str, plan_reads: dict[str, tuple[list[tuple], str]], unit_group: dict[str, int]) -> list[dict[str, Any]]:
    """Records of the files resolved in this view (those that read an unknown answer never match
    again, so they are not kept)."""
    rows = []
    for unit, (keys, answers) in plan_reads.items():
        if NEVER in keys:
            continue
        key = digest(repo, RESOLUTION, unit, answers, digest(repr(keys)))
        rows.append({"key": key, "props": {
            "unit": unit, "version": RESOLUTION, "answers": answers, "group": unit_group[unit],
            "reads": zlib.compress(marshal.dumps(keys), 1)}})
    return rows


class UnitQueue:
    """Hands the nodes and anchors of units to the background writer as soon as they are known
    (file units while their contents are still being parsed): `Code` nodes on the nodes lane,
    each batch claimed there first; anchors on the graph lane, merged for every unit asked for
    (also those another indexer is writing, so no anchor is ever created without its name and
    kind). `finish` marks the units written here done once their nodes and anchors are."""

    def __init__(self, w: Writer, pipe: Pipeline, me: str) -> None:
        self.w, self.pipe, self.me = w, pipe, me
        self.ids: dict[str, str] = {}
        """anchor key -> element id; filled by the writer lanes, read after `pipe.wait`."""
        self.mine: list[str] = []
        self.pending: list[str] = []
        """Units another live indexer claimed: waited for (and taken over) at the end."""
        self.pending_rows: dict[str, list[dict[str, Any]]] = {}
        self.asked: set[str] = set()
        self._anchor_jobs: list[Future] = []
        self._queued: dict[int, list[tuple[Future, int]]] = {NODES: [], GRAPH: []}
        self._rows: dict[str, list[dict[str, Any]]] = {}
        self._anchors: list[list] = []
        self._size = 0

    def add(self, layout: ViewLayout, vg: ViewGraph, facts: dict[str, tuple], units: list[str],
            what: dict[str, tuple[str, ...]]) -> None:
        units = [u for u in units if u not in self.asked]
        self.asked.update(units)
        for unit, rows, anchors in unit_rows(layout, vg, facts, units, what):
            self._rows[unit] = rows
            self._anchors += anchors
            self._size += len(anchors)
            if self._size >= UNIT_BATCH:
                self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        anchors, rows = self._anchors, self._rows
        self._anchors, self._rows, self._size = [], {}, 0
        self._anchor_jobs.append(self.submit(self._put_anchors, anchors, lane=GRAPH, cost=len(anchors) * ANCHOR_COST))
        self.submit(self._put_nodes, rows, lane=NODES, cost=sum(map(len, rows.values())) * NODE_COST)

    def submit(self, fn: Callable[..., Any], *args: Any, lane: int, cost: int) -> Future:
        """`pipe.submit`, remembering the job's rough cost (see `NODE_COST`) until it is done."""
        job = self.pipe.submit(fn, *args, lane=lane)
        self._queued[lane].append((job, cost))
        return job

    def idlest_lane(self) -> int:
        """The lane with the least work queued (or running)."""
        for jobs in self._queued.values():
            jobs[:] = [(job, cost) for job, cost in jobs if not job.done()]
        return min((sum(cost for _, cost in self._queued[lane]), lane) for lane in (GRAPH, NODES))[1]

    def wait_anchors(self) -> None:
        """Block until the anchors of every unit flushed so far are merged (and `ids` holds them)."""
        for job in list(self._anchor_jobs):
            job.result()

    def _put_anchors(self, anchors: list[list]) -> None:
        self.ids.update(self.w.put_anchors(anchors))

    def _put_nodes(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        claims = self.w.claim("Unit", list(rows), self.me)
        self.w.drop_leftovers(claims)
        self.w.put_nodes([r for u in claims.mine for r in rows[u]])
        self.mine += claims.mine
        self.pending += claims.pending
        for u in claims.pending:
            self.pending_rows[u] = rows[u]

    def finish(self) -> None:
        """Mark the units written so far done, after their nodes (this lane) and anchors."""
        self.flush()
        jobs = list(self._anchor_jobs)

        def run() -> None:
            for job in jobs:
                job.result()
            mine, self.mine = self.mine, []
            self.w.finish("Unit", mine)

        self.pipe.submit(run, lane=NODES)


@contextlib.contextmanager
def _indexing_runtime() -> Iterator[None]:
    """Cyclic GC off and a short thread switch interval for the duration; both restored after.

    Indexing builds millions of long-lived, acyclic objects (facts, tables, resolution memos,
    rows), and every full collection walks all of them: on sympy that was 5-7 s of the first
    index (13 full collections) and 4-5 s of the second. What it leaves is freed by reference
    counting (the view graph's cycles are broken once it is resolved)."""
    enabled = gc.isenabled()
    gc.disable()
    interval = sys.getswitchinterval()
    # The writer threads mostly wait on the server; each time an answer arrives they need the
    # GIL back from the busy parsing/resolving thread, which by default takes up to 5 ms (several
    # times per transaction).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        if enabled:
            gc.enable()


def index_view(
    writer: Writer, repo: Path, commit: str | None, workers: int | None, index_path: str,
    pieces: Path | None = None,
) -> tuple[IndexStats, BoundView]:
    """Index `repo` at `commit` (None: the working tree); write only what is new. With `pieces`
    (a `PieceCache` file), Python files are extracted by pieces, known pieces from the cache."""
    with _indexing_runtime(), contextlib.closing(PieceCache(pieces)) if pieces else contextlib.nullcontext() as cache:
        return _index_view(writer, repo, commit, workers, index_path, cache)


def _index_view(
    writer: Writer, repo: Path, commit: str | None, workers: int | None, index_path: str,
    cache: PieceCache | None,
) -> tuple[IndexStats, BoundView]:
    started = time.perf_counter()
    listing, read = list_view(repo, commit)
    unique: dict[str, Any] = {}
    for f in listing.files:
        unique.setdefault(f.sha, f)
    w = writer
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 2)
        mark = now

    blob_keys = {sha: f"{writer.repo}|{FORMAT}|{sha}" for sha in unique}
    known = set(w.existing("Blob", blob_keys.values()))
    new = [f for sha, f in unique.items() if blob_keys[sha] not in known]
    facts: dict[str, tuple] = {}
    ntok: dict[str, int] = {}
    nrefs: dict[str, int] = {}
    binary = 0
    blob_rows: list[dict[str, Any]] = []
    pipe = Pipeline()
    queue = UnitQueue(w, pipe, uuid.uuid4().hex)
    # The view as listed (every file parses, in the common case): its file units' nodes go to
    # the server while the rest is still being parsed.
    listed = ViewLayout(writer.repo, repo.name, {f.path: f.sha for f in listing.files})
    listed_languages = {f.path: f.language for f in listing.files}
    listed_vg = view_graph(repo.name, listed, facts, tracking=True, languages=listed_languages)
    listed_what = unit_contents(listed)
    paths_of: dict[str, list[str]] = {}
    for f in listing.files:
        paths_of.setdefault(f.sha, []).append(f.path)
    side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orch-neo4j-reader")
    stored = side.submit(read_stored, w, blob_keys, [sha for sha in unique if blob_keys[sha] in known], listed)
    side.shutdown(wait=False)
    try:
        # Unordered: the server starts on the first files' nodes while the largest are parsed.
        for parsed in parse_files(read(new), len(new), workers, finish=finish_row, chunks=cache,  # type: ignore[arg-type]
                                  ordered=False):
            if parsed is None:
                binary += 1
                continue
            row = parsed[0]
            blob_rows.append(blob_row(writer.repo, blob_keys[row[0]], parsed, facts, ntok))
            nrefs[row[0]] = blob_rows[-1]["props"]["n_refs"]
            if len(blob_rows) >= BLOB_BATCH:  # written while the rest is parsed
                pipe.submit(w.put_blobs, blob_rows)
                blob_rows = []
                if cache is not None:
                    cache.flush()  # a sympy-sized first index holds ~50 MB of entries
            queue.add(listed, listed_vg, facts, [listed.unit_of_path[p] for p in paths_of[row[0]]], listed_what)
        pipe.submit(w.put_blobs, blob_rows)
        if cache is not None:
            cache.flush()
        phase("parse")
        return _index_parsed(w, pipe, queue, repo, listing, unique, new, binary, facts, ntok, nrefs,
                             index_path, started, phases, phase, (listed, listed_languages, listed_vg, listed_what),
                             stored)
    except BaseException:
        pipe.close()
        with contextlib.suppress(Exception):
            stored.result()  # its reads done before the claims are released
        with contextlib.suppress(Exception):
            w.release()
        raise
    finally:
        pipe.close()


def finish_row(row: tuple) -> tuple:
    """What the parse workers hand back for one content: its extraction row, its searchable
    columns as `Blob` properties (`units.search_props`), their token count and the packed facts.
    Tokenizing and packing there keeps the indexing thread, which consumes results one by one,
    from holding the parse up."""
    search, tokens = search_props(row[5])
    return row, search, tokens, pack_facts(row)


def blob_row(repo: str, key: str, parsed: tuple, facts: dict[str, tuple], ntok: dict[str, int]) -> dict[str, Any]:
    """The `Blob` row of one parsed content (`finish_row`'s result), its searchable columns
    included; records its facts and token count."""
    row, search, tokens, packed = parsed
    sha, language, errors, lines, package, syms, refs = row
    facts[sha] = (language, errors, lines, package, syms, refs)
    ntok[sha] = tokens
    return {"key": key, "props": {
        "repo": repo, "format": FORMAT, "sha": sha, "language": language, "errors": errors, "lines": lines,
        "package": package, "n_syms": len(syms), "n_refs": stored_uses(refs), "ntok": tokens, "syms": packed[0],
        "refs": packed[1],
        **search}}


def _index_parsed(
    w: Writer, pipe: Pipeline, queue: UnitQueue, repo: Path, listing: Any, unique: dict[str, Any],
    new: list, binary: int, facts: dict[str, tuple], ntok: dict[str, int], nrefs: dict[str, int],
    index_path: str, started: float,
    phases: dict[str, float], phase: Callable[[str], None],
    listed: tuple[ViewLayout, dict[str, str], ViewGraph, dict[str, tuple[str, ...]]],
    side: Future,
) -> tuple[IndexStats, BoundView]:
    """`index_view` once the new contents are parsed. Writes go through `pipe` (background
    threads) while the next rows are computed: blobs and the nodes of the units to write need no
    resolution, so the server writes them while contents are parsed and the view is resolved, and
    each edge group as soon as it is resolved."""
    writer = w
    stored: Stored = side.result()
    for sha, row in stored.facts.items():
        if sha not in facts:
            facts[sha] = row
            ntok[sha] = stored.ntok[sha]
            nrefs[sha] = stored.nrefs[sha]
    phase("read_facts")
    files = [f for f in listing.files if f.sha in facts]
    skipped = listing.skipped + len(listing.files) - len(files)
    shas = {f.path: f.sha for f in files}
    # Usually the view as listed (every file parsed): its layout is built already (module names,
    # unit keys of every path: ~0.1-0.2 s on sympy).
    layout = listed[0] if shas == listed[0].shas else ViewLayout(writer.repo, repo.name, shas)
    key = listing.commit or f"worktree:{repo}"
    n_syms = sum(len(facts[f.sha][4]) for f in files)
    n_refs = sum(nrefs[f.sha] for f in files)
    errors = sum(facts[f.sha][1] for f in files)

    def finish(view: BoundView, written: tuple[int, int], resolved: tuple[int, int, int] = (0, 0, 0)
               ) -> tuple[IndexStats, BoundView]:
        w.await_search()
        w.put_commit(f"{writer.repo}|{key}", {
            "view": view.key, "commit": listing.commit, "path": str(repo), "indexed_at": time.time(),
            "skipped": skipped,
        })
        n_dirs = len(layout.dirs) + (1 if files else 0)  # as ViewGraph.dirs, which holds the root too
        stats = IndexStats(
            repo=str(repo), commit=listing.commit, index_path=index_path,
            files_total=len(files), files_parsed=len(new) - binary, files_reused=len(listing.files) - len(new),
            files_skipped=skipped, files_with_errors=errors,
            nodes=1 + n_dirs + len(files) + n_syms, edges=n_dirs + len(files) + n_syms + n_refs,
            seconds=round(time.perf_counter() - started, 3),
        )
        log.info("indexed", backend="neo4j", units_written=written[0], groups_written=written[1],
                 files_resolved=resolved[0], files_resolution_reused=resolved[1], reads_checked=resolved[2],
                 phases=phases,
                 **{k: v for k, v in stats.to_dict().items() if k != "repo"})
        return stats, view

    # The view is a function of the tree: a tree indexed before (another commit, the same working
    # tree again) needs no resolution and no write but its commit.
    tree = digest(FORMAT, writer.repo, repo.name, *sorted(f"{f.path}\0{f.sha}" for f in files))
    same = writer.conn.values("MATCH (v:View {repo: $repo, tree: $tree}) RETURN v.key LIMIT 1",
                              repo=writer.repo, tree=tree)
    if same:
        found = load_view(writer.conn, writer.repo, repo.name, None, view_key=same[0][0])
        if found is not None:
            queue.finish()
            pipe.wait()
            phase("reuse_view")
            return finish(found[0], (0, 0))
    listed_layout, listed_languages, vg, what = listed
    done_units, records = stored.done_units, stored.resolutions
    if layout.shas != listed_layout.shas or any(facts[sha][0] != listed_languages[p] for p, sha in layout.shas.items()):
        # Some listed file did not parse (binary): units written early under the listed view's
        # keys stay unused unless equal to this view's.
        vg = view_graph(repo.name, layout, facts, tracking=True)
        what = unit_contents(layout)
        done_units = w.existing("Unit", layout.units(), "done")
        records = recorded_resolutions(w, [u for u in layout.unit_of_path.values() if done_units.get(u) is True])
    todo = [u for u in layout.units() if done_units.get(u) is not True]
    # Two writer lanes, so the server writes on two threads while this process resolves: `Code`
    # nodes on one; anchors, then each edge group as soon as it is resolved, on the other
    # (relationships join anchors only, never `Code` nodes).
    queue.add(layout, vg, facts, todo, what)
    queue.finish()
    me = queue.me
    ids = queue.ids
    phase("queue_units")
    reused, reads_checked = reusable_resolutions(vg, records)
    phase("check_reads")
    todo_groups: dict[int, list[tuple]] = {}
    pending_groups: list[int] = []

    def put_groups(chunk: dict[int, list[tuple]]) -> None:
        done_groups = w.existing("Group", chunk, "done")
        new = {g: edges for g, edges in chunk.items() if done_groups.get(g) is not True}
        todo_groups.update(new)
        ids.update(w.put_anchors(endpoint_anchors(new, ids)))
        claims = w.claim("Group", list(new), me)
        w.put_groups(claims, new, ids)
        w.finish("Group", claims.mine)
        pending_groups.extend(claims.pending)

    chunk: dict[int, list[tuple]] = {}
    size = 0

    def put_groups_later(chunk: dict[int, list[tuple]]) -> None:
        # Off the graph lane, the units' anchors (merged there, before any group) may not be
        # in yet; merged here without them, an anchor would lack its name and kind.
        queue.wait_anchors()
        put_groups(chunk)

    def submit_groups(chunk: dict[int, list[tuple]], size: int) -> None:
        # Each chunk goes to the lane with less work queued: the `Code` nodes' lane is often idle
        # while the last groups are resolved, and one server thread writing them all was the tail.
        lane = queue.idlest_lane()
        queue.submit(put_groups if lane == GRAPH else put_groups_later, chunk, lane=lane, cost=size * EDGE_COST)

    def on_group(g: int, edges: list[tuple]) -> None:
        nonlocal chunk, size
        chunk[g] = edges
        size += len(edges)
        if size >= GROUP_BATCH:
            submit_groups(chunk, size)
            chunk, size = {}, 0

    try:
        plan = materialize(layout, vg, reused, on_group)
    finally:
        # The view graph holds bound methods of itself (and its resolver one of it): cycles that
        # would keep every table and memo alive until the next full collection. Nothing uses it
        # after resolution, so break them and let reference counting free it all on return.
        vars(vg).clear()
    submit_groups(chunk, size)
    # The records are packed and written on a writer lane with the last groups rather than after
    # them: a record whose group is not done yet is never reused (`Writer.resolutions`).
    queue.submit(lambda: w.put_resolutions(resolution_rows(writer.repo, plan.unit_reads, plan.unit_group)),
                 lane=queue.idlest_lane(), cost=len(plan.unit_reads) * NODE_COST)
    resolved = (len(layout.unit_of_path) - len(reused), len(reused), reads_checked)
    phase("resolve")
    pipe.wait()
    phase("write_units")
    # Units and groups another indexer of this repository is writing right now: wait,
    # and write them here if that indexer dies.
    groups_pending = pending_groups
    units_pending = queue.pending
    while units_pending or groups_pending:
        units = w.wait("Unit", units_pending, me)
        if units.mine:
            w.put_units(units, [n for u in units.mine for n in queue.pending_rows[u]])
            w.finish("Unit", units.mine)
        units_pending = units.pending
        groups = w.wait("Group", groups_pending, me)
        if groups.mine:
            w.put_groups(groups, todo_groups, ids)
            w.finish("Group", groups.mine)
        groups_pending = groups.pending
    phase("write_groups")
    view_key = digest(writer.repo, repo.name, *plan.view_groups_sorted_str())
    n_docs, n_tokens = corpus_stats(layout, facts, ntok)
    w.put_view(view_key, {
        "format": FORMAT, "tree": tree, "paths": [f.path for f in files], "shas": [f.sha for f in files],
        "group_units": sorted(plan.unit_group), "groups": [plan.unit_group[u] for u in sorted(plan.unit_group)],
        "n_docs": n_docs, "n_tokens": n_tokens,
    })
    return finish(BoundView(view_key, layout, dict(plan.unit_group)), (len(todo), len(todo_groups)), resolved)


def delete_commit(writer: Writer, repo_name: str, key: str) -> list[str]:
    """Forget one indexed commit (`key`: its sha, or `worktree:<path>`); units, groups and blobs
    no other view of the repository uses are deleted, every other view stays intact. Returns the
    keys of the views that went with it."""
    writer.conn.execute("MATCH (c:Commit {key: $key}) DELETE c", key=f"{writer.repo}|{key}")
    views = writer.conn.rows(
        "MATCH (v:View {repo: $repo}) OPTIONAL MATCH (c:Commit {repo: $repo, view: v.key}) "
        "RETURN v.key AS key, v.paths AS paths, v.shas AS shas, v.groups AS groups, count(c) AS uses",
        repo=writer.repo,
    )
    keep_units: set[str] = set()
    keep_groups: set[int] = set()
    keep_blobs: set[str] = set()
    dead_views = []
    for v in views:
        if v["uses"] == 0:
            dead_views.append(v["key"])
            continue
        layout = ViewLayout(writer.repo, repo_name, dict(zip(v["paths"], v["shas"], strict=True)))
        keep_units.update(layout.units())
        keep_groups.update(v["groups"])
        keep_blobs.update(f"{writer.repo}|{FORMAT}|{s}" for s in v["shas"])
    w = writer
    units = [r[0] for r in writer.conn.values("MATCH (u:Unit {repo: $repo}) RETURN u.key", repo=writer.repo)]
    groups = [r[0] for r in writer.conn.values("MATCH (x:Group {repo: $repo}) RETURN x.key", repo=writer.repo)]
    blobs = [r[0] for r in writer.conn.values("MATCH (b:Blob {repo: $repo}) RETURN b.key", repo=writer.repo)]
    dead_groups = [g for g in groups if g not in keep_groups]
    w.delete_relationships(dead_groups)
    w.delete_nodes("Group", "key", dead_groups)
    dead_units = [u for u in units if u not in keep_units]
    w.delete_nodes("Code", "unit", dead_units)
    w.delete_nodes("Unit", "key", dead_units)
    # Resolution records of deleted units, or naming a deleted group, can never be reused.
    w.delete_nodes("Res", "unit", dead_units)
    w.delete_nodes("Res", "group", dead_groups)
    w.delete_nodes("Blob", "key", [b for b in blobs if b not in keep_blobs])
    w.delete_nodes("View", "key", dead_views)
    # Anchors nothing points at or from any more (their ids left every remaining view).
    while True:
        n = writer.conn.write(lambda tx: tx.run(
            "MATCH (s:Sym {repo: $repo}) WHERE NOT (s)--() WITH s LIMIT 10000 DELETE s RETURN count(*)",
            repo=writer.repo).single()[0])
        if n < 10000:
            break
    return dead_views
