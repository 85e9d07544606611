"""Batched writes and deletes for one repository's part of the database.

Every write is `UNWIND $rows ...` in transactions of `BATCH` rows, idempotent (`MERGE` on
unique keys), and followed by a completion marker (`Unit`, `Group`), so a run that dies half-way
is finished by the next one without duplicates: unmarked units are merged again, unmarked
groups have their relationships deleted and recreated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from graph_index.models import EdgeKind
from graph_index.neo4j_backend.connection import Connection

BATCH = 10_000
"""Rows per transaction: large enough that Bolt round trips are noise, small enough to keep the
server's transaction state well inside a 1 GiB heap."""
REL_TYPES = "|".join(k.value for k in EdgeKind)


def chunks(rows: Sequence[Any], size: int | None = None) -> Iterator[Sequence[Any]]:
    size = size or BATCH
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class Writer:
    def __init__(self, conn: Connection, repo: str) -> None:
        self.conn = conn
        self.repo = repo

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
        """key -> (language, errors, lines, package, n_syms, n_refs, facts bytes, tokens)."""
        out: dict[str, tuple] = {}
        for part in chunks(keys, 2_000):
            for row in self.conn.values(
                "UNWIND $keys AS k MATCH (b:Blob {key: k}) "
                "RETURN k, b.language, b.errors, b.lines, b.package, b.n_syms, b.n_refs, b.facts, b.ntok",
                keys=list(part),
            ):
                out[row[0]] = tuple(row[1:])
        return out

    # -- units: nodes and their anchors -----------------------------------------------------------
    def put_units(self, units: Sequence[str], nodes: Sequence[dict[str, Any]]) -> None:
        """Create the nodes of units no run has finished; nodes an interrupted run left are
        deleted first, so CREATE (cheaper than MERGE) never duplicates."""
        started = [r[0] for part in chunks(list(units), 50_000) for r in self.conn.values(
            "UNWIND $units AS u MATCH (n:Code {unit: u}) RETURN DISTINCT u", units=list(part))]
        if started:
            self.delete_nodes("Code", "unit", started)
        by_label: dict[str, list[dict[str, Any]]] = {}
        for row in nodes:
            by_label.setdefault(row["label"], []).append({"uid": row["uid"], **row["props"]})
        for label, rows in sorted(by_label.items()):
            for part in chunks(rows):
                self.conn.execute(f"UNWIND $rows AS r CREATE (n:Code:{label}) SET n = r", rows=list(part))

    def mark_units(self, units: Sequence[str]) -> None:
        """Record units whose nodes and anchors are all written."""
        for part in chunks(units):
            self.conn.execute(
                "UNWIND $keys AS k MERGE (u:Unit {key: k}) SET u.repo = $repo", keys=list(part), repo=self.repo
            )

    def put_anchors(self, anchors: Sequence[list]) -> dict[str, str]:
        """Merge [key, id, name, kind] rows (an anchor keeps the name/kind it was created with);
        returns key -> element id, so relationship writes skip the key index."""
        out: dict[str, str] = {}
        for part in chunks(anchors):
            out.update(self.conn.write(lambda tx, part=part: [tuple(r.values()) for r in tx.run(
                "UNWIND $rows AS r MERGE (s:Sym {key: r[0]}) "
                "ON CREATE SET s.repo = $repo, s.id = r[1], s.name = r[2], s.kind = r[3] "
                "RETURN r[0], elementId(s)",
                rows=list(part), repo=self.repo,
            )]))
        return out

    # -- groups: relationships --------------------------------------------------------------------
    def put_groups(self, groups: dict[int, list[tuple]], partial: Iterable[int], ids: dict[str, str]) -> None:
        """Write each group's (src key, dst key, kind, line) relationships between the anchors
        `ids` names (key -> element id); groups in `partial` were begun by an interrupted run and
        are cleared first."""
        partial = [g for g in partial if g in groups]
        if partial:
            self.delete_relationships(partial)
        keys = list(groups)
        for part in chunks(keys):
            self.conn.execute(
                "UNWIND $keys AS k MERGE (x:Group {key: k}) SET x.repo = $repo, x.done = false",
                keys=list(part), repo=self.repo,
            )
        by_kind: dict[str, list[list]] = {}
        for g, edges in groups.items():
            for s, d, kind, line in edges:
                by_kind.setdefault(kind, []).append([ids[s], ids[d], line, g])
        for kind, rows in sorted(by_kind.items()):
            for part in chunks(rows):
                self.conn.execute(
                    "UNWIND $rows AS r MATCH (a) WHERE elementId(a) = r[0] MATCH (b) WHERE elementId(b) = r[1] "
                    f"CREATE (a)-[:{EdgeKind(kind).value} {{g: r[3], line: r[2]}}]->(b)",
                    rows=list(part),
                )
        for part in chunks(keys):
            self.conn.execute("UNWIND $keys AS k MATCH (x:Group {key: k}) SET x.done = true", keys=list(part))

    def delete_relationships(self, groups: Sequence[int]) -> None:
        """Relationships of `groups`, through the relationship index on `g`."""
        for kind in EdgeKind:
            for part in chunks(list(groups), 500):
                self._delete_rels(kind.value, list(part))

    def _delete_rels(self, kind: str, groups: list[int]) -> None:
        while True:
            n = self.conn.write(
                lambda tx: tx.run(
                    f"UNWIND $gs AS g MATCH ()-[r:{kind} {{g: g}}]->() WITH r LIMIT $n DELETE r RETURN count(*)",
                    gs=groups, n=BATCH,
                ).single()[0]
            )
            if n < BATCH:
                return

    # -- views and commits ------------------------------------------------------------------------
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
                        vs=list(part), n=BATCH,
                    ).single()[0]
                )
                if n < BATCH:
                    break

    def delete_repo(self) -> None:
        """Everything this repository ever wrote."""
        for label in ("Sym", "Code", "Blob", "Unit", "Group", "View", "Commit"):
            while True:
                n = self.conn.write(
                    lambda tx, label=label: tx.run(
                        f"MATCH (n:{label} {{repo: $repo}}) WITH n LIMIT $n DETACH DELETE n RETURN count(*)",
                        repo=self.repo, n=BATCH // 2,
                    ).single()[0]
                )
                if n < BATCH // 2:
                    break
