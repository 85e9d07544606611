"""The App's durable state in one SQLite file: delivery log, job queue and spend ledger.

Every write that decides something (a delivery seen, a job queued, a job claimed) is one
`BEGIN IMMEDIATE` transaction, so the webhook and the workers never race each other and a crash
leaves either the whole decision or none of it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from orchestrator.github_app.events import Trigger

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    received_at REAL NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_by_age ON deliveries(received_at);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    repo TEXT NOT NULL,
    issue INTEGER NOT NULL,
    installation_id INTEGER NOT NULL,
    trigger TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    outcome TEXT NOT NULL DEFAULT '{}'
);
-- One solve per issue at a time: a second trigger while one is queued or running cannot queue.
CREATE UNIQUE INDEX IF NOT EXISTS one_active_solve_per_issue
    ON jobs(repo, issue) WHERE kind = 'solve' AND state IN ('queued', 'running');
CREATE TABLE IF NOT EXISTS spend (
    job_id INTEGER PRIMARY KEY,
    installation_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    reserved_usd REAL NOT NULL,
    spent_usd REAL
);
"""

# GitHub redelivers failed deliveries for a few days at most; older ids are only clutter.
_DELIVERY_RETENTION_S = 30 * 24 * 3600


class JobKind(StrEnum):
    SOLVE = "solve"
    NOTICE = "notice"
    """Only a comment on the issue (e.g. "already working on it"); no clone, no spend."""


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    IGNORED = "ignored"


class Admission(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"
    BUSY = "busy"
    """A solve for the issue is already queued or running; a notice job was queued instead."""
    IGNORED = "ignored"


@dataclass(frozen=True)
class Admitted:
    admission: Admission
    job_id: int | None = None
    active_job_id: int | None = None


@dataclass(frozen=True)
class Job:
    id: int
    kind: JobKind
    repo: str
    issue: int
    installation_id: int
    trigger: Trigger
    note: str
    state: JobState
    attempts: int
    outcome: dict[str, Any]


class JobStore:
    """Safe to share between threads: each thread uses its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)  # commits by itself
        finally:
            db.close()

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread, kept open: closing the last connection checkpoints the WAL,
        # which would put an fsync on every webhook answer.
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            # In WAL mode NORMAL loses no committed transaction when the process dies (only on
            # power loss) and saves an fsync per commit.
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def admit(self, delivery_id: str, event: str, trigger: Trigger | None, reason: str) -> Admitted:
        """Record a verified delivery once and queue what it asks for, in one transaction."""
        now = time.time()
        with self._tx() as db:
            db.execute("DELETE FROM deliveries WHERE received_at < ?", (now - _DELIVERY_RETENTION_S,))
            seen = db.execute("SELECT 1 FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
            if seen:
                return Admitted(Admission.DUPLICATE)
            if trigger is None:
                db.execute("INSERT INTO deliveries VALUES (?, ?, ?, ?)", (delivery_id, event, now, f"ignored: {reason}"))
                return Admitted(Admission.IGNORED)
            active = db.execute(
                "SELECT id FROM jobs WHERE kind = 'solve' AND repo = ? AND issue = ? AND state IN ('queued', 'running')",
                (trigger.full_name, trigger.issue_number),
            ).fetchone()
            if active:
                note = f"orch is already working on this issue (job {active['id']}); this request was ignored."
                job_id = self._insert_job(db, JobKind.NOTICE, trigger, note, now)
                db.execute("INSERT INTO deliveries VALUES (?, ?, ?, ?)", (delivery_id, event, now, f"busy: job {active['id']}"))
                return Admitted(Admission.BUSY, job_id, active["id"])
            job_id = self._insert_job(db, JobKind.SOLVE, trigger, "", now)
            db.execute("INSERT INTO deliveries VALUES (?, ?, ?, ?)", (delivery_id, event, now, f"queued: job {job_id}"))
            return Admitted(Admission.QUEUED, job_id)

    @staticmethod
    def _insert_job(db: sqlite3.Connection, kind: JobKind, trigger: Trigger, note: str, now: float) -> int:
        cur = db.execute(
            "INSERT INTO jobs (kind, repo, issue, installation_id, trigger, note, state, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)",
            (kind.value, trigger.full_name, trigger.issue_number, trigger.installation_id, trigger.model_dump_json(), note, now),
        )
        return int(cur.lastrowid or 0)

    def requeue_interrupted(self) -> list[int]:
        """Jobs left running by a stopped server go back to the queue; call before workers start."""
        with self._tx() as db:
            ids = [r["id"] for r in db.execute("SELECT id FROM jobs WHERE state = 'running'")]
            db.execute("UPDATE jobs SET state = 'queued' WHERE state = 'running'")
        return ids

    def claim(self, kinds: tuple[JobKind, ...] = tuple(JobKind)) -> Job | None:
        """The oldest queued job of one of `kinds`, now marked running with one more attempt."""
        marks = ",".join("?" * len(kinds))
        with self._tx() as db:
            row = db.execute(
                f"SELECT id FROM jobs WHERE state = 'queued' AND kind IN ({marks}) ORDER BY id LIMIT 1",
                [k.value for k in kinds],
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ? WHERE id = ?",
                (time.time(), row["id"]),
            )
            return _job(db.execute("SELECT * FROM jobs WHERE id = ?", (row["id"],)).fetchone())

    def finish(self, job_id: int, state: JobState, outcome: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET state = ?, finished_at = ?, outcome = ? WHERE id = ?",
                (state.value, time.time(), json.dumps(outcome, default=str), job_id),
            )

    def get(self, job_id: int) -> Job | None:
        with self._tx() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def jobs(self) -> list[Job]:
        with self._tx() as db:
            return [_job(r) for r in db.execute("SELECT * FROM jobs ORDER BY id")]

    def delivery_count(self) -> int:
        with self._tx() as db:
            return int(db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0])

    def reserve_spend(self, job_id: int, installation_id: int, day: str, usd: float) -> None:
        """Hold `usd` of the installation's daily cap for a job until its real spend is known."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO spend (job_id, installation_id, day, reserved_usd) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(job_id) DO UPDATE SET day = excluded.day, reserved_usd = excluded.reserved_usd",
                (job_id, installation_id, day, usd),
            )

    def settle_spend(self, job_id: int, usd: float) -> None:
        """Replace the reservation by the run's reported spend (a resumed run reports its total)."""
        with self._tx() as db:
            db.execute("UPDATE spend SET spent_usd = ? WHERE job_id = ?", (usd, job_id))

    def spent(self, installation_id: int, day: str, *, excluding_job: int | None = None) -> float:
        """Spend (or reservation, while a job runs) of an installation on one day."""
        with self._tx() as db:
            row = db.execute(
                "SELECT COALESCE(SUM(COALESCE(spent_usd, reserved_usd)), 0) FROM spend"
                " WHERE installation_id = ? AND day = ? AND job_id IS NOT ?",
                (installation_id, day, excluding_job),
            ).fetchone()
        return float(row[0])


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"],
        kind=JobKind(row["kind"]),
        repo=row["repo"],
        issue=row["issue"],
        installation_id=row["installation_id"],
        trigger=Trigger.model_validate_json(row["trigger"]),
        note=row["note"],
        state=JobState(row["state"]),
        attempts=row["attempts"],
        outcome=json.loads(row["outcome"] or "{}"),
    )
