"""Backend-independent indexing steps: list a view's files, read the ones a store lacks, parse
them (in a small process pool when there are many)."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import structlog

from graph_index.parsing import extract_rows
from graph_index.sources import (
    Listing,
    SourceFile,
    is_binary,
    list_commit,
    list_worktree,
    read_commit_blobs,
)

log = structlog.get_logger(__name__)

POOL_THRESHOLD = 64
"""Below this many new files, a process pool costs more to start than it saves."""


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def list_view(repo: Path, commit: str | None) -> tuple[Listing, Callable[[list[SourceFile]], Iterator[tuple[SourceFile, bytes]]]]:
    """The view's files, and a reader yielding the content of any subset of them, largest first."""
    if commit is not None:
        listing = list_commit(repo, commit)

        def read(files: list[SourceFile]) -> Iterator[tuple[SourceFile, bytes]]:
            by_sha: dict[str, SourceFile] = {}
            # Largest first: a parse pool fed in this order ends with small files on both workers.
            for f in sorted(files, key=lambda f: -f.size):
                by_sha.setdefault(f.sha, f)
            for sha, data in read_commit_blobs(repo, by_sha):
                yield by_sha[sha], data

        return listing, read
    listing, contents = list_worktree(repo)

    def read_disk(files: list[SourceFile]) -> Iterator[tuple[SourceFile, bytes]]:
        for f in sorted(files, key=lambda f: -f.size):
            data = contents.get(f.sha)
            yield f, data if data is not None else (repo / f.path).read_bytes()

    return listing, read_disk


def parse_files(
    items: Iterable[tuple[SourceFile, bytes]],
    count: int,
    workers: int | None = None,
    finish: Callable[[tuple], tuple] | None = None,
) -> Iterator[tuple | None]:
    """Extraction rows for each item (see `parsing.extract_rows`), in the items' order; None for
    binary content. `finish` (a module-level function) turns a row into what the caller stores,
    inside the worker, so the caller neither unpickles nor converts what it would only re-encode."""
    workers = default_workers() if workers is None else workers

    def jobs() -> Iterator[tuple[str, str, bytes]]:
        for f, data in items:
            yield (f.sha, f.language, data)

    if workers <= 1 or count < POOL_THRESHOLD:
        for job in jobs():
            yield _extract_job(job, finish)
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
        # Chunks go to the pool while the rest is still being read, so the workers start on the
        # first files instead of after the last one; results come back in submission order (so
        # store ids do not depend on timing), and at most WINDOW_BYTES of source are in flight.
        pending: deque[tuple[Future, int]] = deque()
        in_flight = 0
        try:
            for chunk in _chunks(jobs(), CHUNK_FILES):
                size = sum(len(job[2]) for job in chunk)
                pending.append((pool.submit(_extract_chunk, chunk, finish), size))
                in_flight += size
                while pending and (in_flight > WINDOW_BYTES or pending[0][0].done()):
                    done, size = pending.popleft()
                    in_flight -= size
                    yield from done.result()
            while pending:
                yield from pending.popleft()[0].result()
        finally:
            # An interrupted consumer (Ctrl-C, a failed write) must not wait for queued files.
            for future, _ in pending:
                future.cancel()


WINDOW_BYTES = 128 << 20
"""Source bytes handed to the pool and not yet returned: bounds memory on very large repositories."""
CHUNK_FILES = 4
"""Files per pool task: small, so both workers finish together (readers yield largest first)."""


def _chunks(jobs: Iterator[tuple[str, str, bytes]], n: int) -> Iterator[list[tuple[str, str, bytes]]]:
    chunk: list[tuple[str, str, bytes]] = []
    for job in jobs:
        chunk.append(job)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _worker_init() -> None:
    # Extraction allocates millions of small acyclic objects; cyclic GC passes over them are waste.
    gc.disable()


def _extract_chunk(chunk: list[tuple[str, str, bytes]], finish: Callable[[tuple], tuple] | None) -> list[tuple | None]:
    return [_extract_job(job, finish) for job in chunk]


def _extract_job(job: tuple[str, str, bytes], finish: Callable[[tuple], tuple] | None) -> tuple | None:
    row = _extract_or_none(job)
    return finish(row) if finish is not None and row is not None else row


def _extract_or_none(job: tuple[str, str, bytes]) -> tuple | None:
    sha, language, data = job
    if is_binary(data):
        return None
    try:
        return extract_rows(job)
    except Exception as exc:  # a grammar crash on one file must not stop the index
        log.warning("extraction failed", sha=sha, language=language, error=f"{type(exc).__name__}: {exc}")
        return (sha, language, 1, data.count(b"\n") + 1, "", [("module", "", "", -1, 1, 1, "", "", "", "")], [])
