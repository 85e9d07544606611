"""Batched writes and deletes for one repository's part of the database.

Every write is `UNWIND $rows ...` in transactions of `BATCH` rows. Units (a file content's
nodes) and groups (its relationships) are *claimed* before they are written: the first indexer
to MERGE a `Unit`/`Group` marker owns it, writes it with plain CREATEs and marks it done; other
indexers of the same repository wait for it instead of writing it twice. A claim whose owner died
(no heartbeat for `STALE_S`) or that an interrupted run released is taken over: its leftovers are
deleted and it is written again, so no run ever leaves duplicates.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graph_index.models import EdgeKind
from graph_index.neo4j_backend.connection import Connection, Quiet

BATCH = 2_000
"""Rows per transaction: large enough that Bolt round trips are noise; small transactions cost
the server less per row than large ones (sympy's anchors: 1.5 s of server CPU at 2,000 rows, 2.5-3 s
at 10,000) and let writes start while the next rows are still being computed."""
T = TypeVar("T")
REL_TYPES = "|".join(k.value for k in EdgeKind)
STALE_S = 120.0
"""A claim not refreshed for this long belongs to a dead indexer and may be taken over."""
HEARTBEAT_S = 20.0
WAIT_POLL_S = 0.5


@dataclass
class Claims:
    """What one run owns of the markers it asked for."""

    fresh: list = field(default_factory=list)
    """Created by this run: nothing of them exists yet."""
    taken: list = field(default_factory=list)
    """Abandoned by another run: leftovers must be deleted before writing."""
    pending: list = field(default_factory=list)
    """Being written by a live run: wait for them."""

    @property
    def mine(self) -> list:
        return self.fresh + self.taken


def chunks(rows: Sequence[Any], size: int | None = None) -> Iterator[Sequence[Any]]:
    size = size or BATCH
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class Writer:
    def __init__(self, conn: Connection, repo: str) -> None:
        self.conn = conn
        self.repo = repo
        self._me = ""
        self._claimed: dict[str, set] = {}
        """label -> keys this run claimed and has not finished (shared by the writer threads)."""
        self._lock = threading.Lock()
        self._beat = 0.0

    # -- lookups ----------------------------------------------------------------------------------
    def existing(self, label: str, keys: Iterable[Any], prop: str | None = None) -> dict[Any, Any]:
        """key -> `prop` (or True) for the `label` nodes that exist among `keys`."""
        keys = list(keys)
        out: dict[Any, Any] = {}
        ret = f"n.{prop}" if prop else "true"
        for part in chunks(keys, 50_000):
            for k, v in self.conn.values(
                f"UNWIND $keys AS k MATCH (n:{label} {{key: k}}) RETURN k, {ret}", keys=list(part)
            ):
                out[k] = v
        return out

    # -- blobs ------------------------------------------------------------------------------------
    def put_blobs(self, rows: Sequence[dict[str, Any]]) -> None:
        for part in chunks(rows, 2_000):
            self.conn.execute(
                "UNWIND $rows AS r MERGE (b:Blob {key: r.key}) SET b += r.props", rows=list(part)
            )

    def blob_facts(self, keys: Sequence[str]) -> dict[str, tuple]:
        """key -> (language, errors, lines, package, n_syms, n_refs, (packed syms, packed refs), tokens)."""
        out: dict[str, tuple] = {}
        for part in chunks(keys, 2_000):
            for row in self.conn.values(
                "UNWIND $keys AS k MATCH (b:Blob {key: k}) "
                "RETURN k, b.language, b.errors, b.lines, b.package, b.n_syms, b.n_refs, [b.syms, b.refs], b.ntok",
                keys=list(part),
            ):
                out[row[0]] = tuple(row[1:])
        return out

    # -- units: nodes and their anchors -----------------------------------------------------------
    def put_units(self, claims: Claims, nodes: Sequence[dict[str, Any]]) -> None:
        """Create the nodes of the units this run owns (leftovers of taken-over units go first)."""
        self.drop_leftovers(claims)
        mine = set(claims.mine)
        self.put_nodes([row for row in nodes if row["props"]["unit"] in mine])

    def drop_leftovers(self, claims: Claims) -> None:
        """Delete what an abandoned run wrote of the units this run took over."""
        if claims.taken:
            self.delete_nodes("Code", "unit", claims.taken)

    def put_nodes(self, nodes: Sequence[dict[str, Any]]) -> None:
        """CREATE `Code` rows ({label, props}) of units this run owns: nothing of them exists
        yet (fresh claims) or their leftovers are gone (`drop_leftovers`), so no MERGE."""
        by_label: dict[str, list[dict[str, Any]]] = {}
        for row in nodes:
            by_label.setdefault(row["label"], []).append(row["props"])
        for label, rows in sorted(by_label.items()):
            for part in chunks(rows):
                self.conn.execute(f"UNWIND $rows AS r CREATE (n:Code:{label}) SET n = r", rows=list(part))
            self.heartbeat()

    # -- claims -----------------------------------------------------------------------------------
    def claim(self, label: str, keys: Sequence[Any], me: str) -> Claims:
        """MERGE markers for `keys`; this run owns those it creates and those it takes over."""
        out = Claims()
        self._me = me
        for part in chunks(list(keys), 5_000):
            now = time.time()
            rows = self.conn.write(lambda tx, part=part, now=now: [r.values() for r in tx.run(
                f"UNWIND $keys AS k MERGE (x:{label} {{key: k}}) "
                "ON CREATE SET x.repo = $repo, x.done = false, x.owner = $me, x.at = $now, x.fresh = true "
                "WITH k, x CALL (x) { WITH x WHERE x.done = false AND x.owner <> $me AND x.at < $stale "
                "SET x.owner = $me, x.at = $now, x.fresh = false } "
                "RETURN k, x.done, x.owner = $me, x.fresh",
                keys=Quiet(part), repo=self.repo, me=me, now=now, stale=now - STALE_S,
            )])
            for key, done, mine, fresh in rows:
                if done:
                    continue
                if mine:
                    (out.fresh if fresh else out.taken).append(key)
                    with self._lock:
                        self._claimed.setdefault(label, set()).add(key)
                else:
                    out.pending.append(key)
        self._beat = time.monotonic()
        return out

    def finish(self, label: str, keys: Sequence[Any]) -> None:
        for part in chunks(list(keys)):
            self.conn.execute(
                f"UNWIND $keys AS k MATCH (x:{label} {{key: k}}) SET x.done = true, x.owner = null, x.fresh = null",
                keys=list(part),
            )
        with self._lock:
            self._claimed.get(label, set()).difference_update(keys)

    def heartbeat(self, force: bool = False) -> None:
        """Refresh this run's unfinished claims (cheap; at most every HEARTBEAT_S)."""
        if not force and time.monotonic() - self._beat < HEARTBEAT_S:
            return
        self._beat = time.monotonic()
        for label, keys in self._snapshot().items():
            for part in chunks(keys):
                self.conn.execute(
                    f"UNWIND $keys AS k MATCH (x:{label} {{key: k}}) WHERE x.owner = $me AND NOT x.done "
                    "SET x.at = $now", keys=list(part), me=self._me, now=time.time(),
                )

    def release(self) -> None:
        """Give up this run's unfinished claims at once (an interrupted run), so the next run
        takes them over without waiting for them to go stale."""
        for label, keys in self._snapshot().items():
            for part in chunks(keys):
                self.conn.execute(
                    f"UNWIND $keys AS k MATCH (x:{label} {{key: k}}) WHERE x.owner = $me AND NOT x.done "
                    "SET x.at = 0.0", keys=list(part), me=self._me,
                )
        with self._lock:
            self._claimed = {}

    def _snapshot(self) -> dict[str, list]:
        with self._lock:
            return {label: sorted(keys) for label, keys in self._claimed.items()}

    def wait(self, label: str, keys: Sequence[Any], me: str) -> Claims:
        """Block until other runs finish `keys`; returns those taken over (to be written here)."""
        keys = list(keys)
        while keys:
            self.heartbeat()
            got = self.claim(label, keys, me)
            if got.mine:
                return got
            keys = got.pending
            if keys:
                time.sleep(WAIT_POLL_S)
        return Claims()

    def put_anchors(self, anchors: Sequence[list]) -> dict[str, str]:
        """Merge [key, id, name, kind] rows (an anchor keeps the name/kind it was created with);
        returns key -> element id, so relationship writes skip the key index."""
        out: dict[str, str] = {}
        # In key order: two writer lanes merging overlapping anchors (a unit's own, another's
        # endpoints) lock their index entries in one order, so they cannot deadlock (each
        # deadlock cost a retry after ~1.1 s).
        for part in chunks(sorted(anchors)):
            # One collected row: a record per anchor cost the client more than the server's MERGE.
            out.update(self.conn.write(lambda tx, part=part: tx.run(
                "UNWIND $rows AS r MERGE (s:Sym {key: r[0]}) "
                "ON CREATE SET s.repo = $repo, s.id = r[1], s.name = r[2], s.kind = r[3] "
                "RETURN collect([r[0], elementId(s)])",
                rows=Quiet(part), repo=self.repo,
            ).single()[0]))
        return out

    # -- groups: relationships --------------------------------------------------------------------
    def put_groups(self, claims: Claims, groups: dict[int, list[tuple]], ids: dict[str, str]) -> None:
        """Write the (src key, dst key, kind, line) relationships of the groups this run owns,
        between the anchors `ids` names (key -> element id)."""
        if claims.taken:
            self.delete_leftover_relationships({g: groups[g] for g in claims.taken})
        by_kind: dict[str, list[list]] = {}
        for g in claims.mine:
            for s, d, kind, line in groups[g]:
                by_kind.setdefault(kind, []).append([ids[s], ids[d], line, g])
        for kind, rows in sorted(by_kind.items()):
            for part in chunks(rows):
                self.conn.execute(
                    "UNWIND $rows AS r MATCH (a) WHERE elementId(a) = r[0] MATCH (b) WHERE elementId(b) = r[1] "
                    f"CREATE (a)-[:{EdgeKind(kind).value} {{g: r[3], line: r[2]}}]->(b)",
                    rows=list(part),
                )
                self.heartbeat()

    def delete_leftover_relationships(self, groups: dict[int, list[tuple]]) -> None:
        """What an abandoned run wrote of `groups` (key -> rows, as `put_groups` takes them): a
        group's relationships all leave the anchors its rows start from."""
        starts = sorted({(src, g) for g, rows in groups.items() for src, _dst, _kind, _line in rows})
        for part in chunks(starts):
            self.conn.execute(
                "UNWIND $rows AS r MATCH (:Sym {key: r[0]})-[x]->() WHERE x.g = r[1] DELETE x", rows=Quiet(part)
            )

    def delete_relationships(self, groups: Sequence[int]) -> None:
        """Relationships of `groups`, by one pass over the repository's anchors' relationships.

        There is no index on `g`: seven relationship indexes (one per type) cost the first index
        of sympy ~1 s of server CPU (~20% of writing its 270k relationships) and every later
        commit its share, for the sake of deleting commits, which is rare and may scan."""
        if not groups:
            return
        self.conn.run_in_transactions(
            "MATCH (:Sym {repo: $repo})-[r]->() WHERE r.g IN $gs CALL (r) { DELETE r } IN TRANSACTIONS OF "
            f"{BATCH} ROWS", repo=self.repo, gs=Quiet(groups),
        )

    # -- resolutions: a file unit's group under recorded reads ------------------------------------
    def resolutions(self, units: Sequence[str], version: str) -> dict[str, list[tuple[bytes, str, int]]]:
        """unit -> [(packed read keys, answers digest, group)] of every recorded resolution of the
        file units among `units` whose group is complete."""
        out: dict[str, list[tuple[bytes, str, int]]] = {}
        for part in chunks(list(units), 5_000):
            for unit, reads, answers, group in self.conn.values(
                "UNWIND $units AS u MATCH (r:Res {unit: u}) WHERE r.version = $version "
                "MATCH (g:Group {key: r.group}) WHERE g.done RETURN u, r.reads, r.answers, r.group",
                units=list(part), version=version,
            ):
                out.setdefault(unit, []).append((reads, answers, group))
        return out

    def put_resolutions(self, rows: Sequence[dict[str, Any]]) -> None:
        """MERGE [{key, props}] resolution records (before or after their groups are done:
        `resolutions` only returns records whose group is)."""
        for part in chunks(rows, 2_000):
            self.conn.execute(
                "UNWIND $rows AS r MERGE (x:Res {key: r.key}) ON CREATE SET x += r.props, x.repo = $repo",
                rows=list(part), repo=self.repo,
            )

    # -- views and commits ------------------------------------------------------------------------
    def await_search(self) -> None:
        """Block until the eventually consistent full-text index holds every committed write, so
        a commit is never visible before its nodes are searchable."""
        self.conn.execute("CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()")

    def put_view(self, key: str, props: dict[str, Any]) -> None:
        self.conn.execute("MERGE (v:View {key: $key}) SET v += $props, v.repo = $repo", key=key, props=props,
                          repo=self.repo)

    def put_commit(self, key: str, props: dict[str, Any]) -> None:
        self.conn.execute(
            "MERGE (c:Commit {key: $key}) SET c += $props, c.repo = $repo", key=key, props=props, repo=self.repo
        )

    # -- deletion ---------------------------------------------------------------------------------
    def delete_nodes(self, label: str, prop: str, values: Sequence[Any]) -> None:
        for part in chunks(list(values), 1_000):
            while True:
                n = self.conn.write(
                    lambda tx, part=part: tx.run(
                        f"UNWIND $vs AS v MATCH (n:{label} {{{prop}: v}}) WITH n LIMIT $n DETACH DELETE n "
                        "RETURN count(*)",
                        vs=Quiet(part), n=BATCH,
                    ).single()[0]
                )
                if n < BATCH:
                    break

    def delete_repo(self) -> None:
        """Everything this repository ever wrote."""
        for label in ("Sym", "Code", "Blob", "Unit", "Group", "Res", "View", "Commit"):
            while True:
                n = self.conn.write(
                    lambda tx, label=label: tx.run(
                        f"MATCH (n:{label} {{repo: $repo}}) WITH n LIMIT $n DETACH DELETE n RETURN count(*)",
                        repo=self.repo, n=BATCH // 2,
                    ).single()[0]
                )
                if n < BATCH // 2:
                    break


class Skipped(Exception):
    """A background write not run because an earlier one failed."""


class Pipeline:
    """Writes run in submission order on background threads, one per lane, while the caller
    computes what comes next: the server's work overlaps the client's, and independent writes
    (`Code` nodes vs. anchors and relationships) use two server threads. After the first failure
    in any lane the remaining writes are skipped, so nothing is marked done over a hole; `wait`
    raises that failure."""

    def __init__(self, lanes: int = 2) -> None:
        self._pools = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"orch-neo4j-writer-{i}")
                       for i in range(lanes)]
        self._jobs: list[Future] = []
        self._failed = False

    def submit(self, fn: Callable[..., T], *args: Any, lane: int = 0) -> Future:
        def run() -> T:
            if self._failed:
                raise Skipped
            try:
                return fn(*args)
            except BaseException:
                self._failed = True
                raise

        job = self._pools[lane].submit(run)
        self._jobs.append(job)
        return job

    def wait(self) -> None:
        """Block until every write submitted so far is done; raise the first failure."""
        jobs, self._jobs = self._jobs, []
        first: BaseException | None = None
        for job in jobs:
            try:
                job.result()
            except Skipped:
                continue
            except BaseException as exc:
                first = first or exc
        if first is not None:
            raise first

    def close(self) -> None:
        """Let the writes in flight finish, drop the queued ones, stop the threads."""
        self._failed = True
        for pool in self._pools:
            pool.shutdown(wait=True, cancel_futures=True)
