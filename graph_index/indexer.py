"""Backend-independent indexing steps: list a view's files, read the ones a store lacks, parse
them (in a small process pool when there are many)."""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Protocol

import structlog

from graph_index.parsing import extract_rows
from graph_index.parsing.chunks import (
    MIN_CHUNKS,
    chunk_key,
    chunked_rows,
    pack_entry,
    pieces,
    unpack_entry,
)
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
POOL_BYTES = 1 << 20
"""With a chunk cache, the pool's threshold in source bytes left to extract (new pieces): the
count of new files says little when most of their pieces are known."""


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


class ChunkCache(Protocol):
    """Extraction entries of Python chunks (`parsing.chunks`) by key, packed, shared by every
    process indexing into one store: a file changed by small edits re-extracts only new chunks."""

    def get(self, keys: list[str]) -> dict[str, bytes]: ...

    def put(self, entries: dict[str, bytes]) -> None: ...


def parse_files(
    items: Iterable[tuple[SourceFile, bytes]],
    count: int,
    workers: int | None = None,
    finish: Callable[[tuple], tuple] | None = None,
    chunks: ChunkCache | None = None,
    ordered: bool = True,
) -> Iterator[tuple | None]:
    """Extraction rows for each item (see `parsing.extract_rows`), in the items' order; None for
    binary content. `finish` (a module-level function) turns a row into what the caller stores,
    inside the worker, so the caller neither unpickles nor converts what it would only re-encode.
    With `chunks`, Python files are extracted by chunks (same rows), known chunks come from the
    cache and new ones go to it. Unless `ordered`, rows come as soon as they are extracted (a
    caller that only collects them need not wait for the largest files, which come first)."""
    workers = default_workers() if workers is None else workers

    def jobs() -> Iterator[tuple[tuple, int]]:
        """(job, source bytes it leaves to extract)."""
        for f, data in items:
            if chunks is not None and f.language == "python":
                found = pieces(data)
                if len(found) >= MIN_CHUNKS:
                    keys = [chunk_key(data[lo:hi], kind) for lo, hi, kind in found]
                    cached = chunks.get(keys)
                    work = sum(hi - lo for (lo, hi, _), key in zip(found, keys, strict=True) if key not in cached)
                    yield (f.sha, f.language, data, cached, found), work
                    continue
            yield (f.sha, f.language, data), len(data)

    def results(done: Iterable[tuple[tuple | None, dict[str, bytes] | None]]) -> Iterator[tuple | None]:
        for row, new in done:
            if new and chunks is not None:
                chunks.put(new)
            yield row

    queue = jobs()
    ahead: list[tuple] = []
    if chunks is not None:
        # Read ahead until the work left is known to be worth a pool (or everything is read).
        work = 0
        for job, size in queue:
            ahead.append(job)
            work += size
            if work >= POOL_BYTES:
                break
        small = work < POOL_BYTES
    else:
        small = count < POOL_THRESHOLD
    todo = itertools.chain(ahead, (job for job, _ in queue))
    if workers <= 1 or small:
        yield from results(_extract_job(job, finish) for job in todo)
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
        # Tasks go to the pool while the rest is still being read, so the workers start on the
        # first files instead of after the last one; results come back in submission order (so
        # store ids do not depend on timing), and at most WINDOW_BYTES of source are in flight.
        if not ordered:
            yield from _unordered(pool, todo, finish, results)
            return
        pending: deque[tuple[Future, int]] = deque()
        in_flight = 0
        try:
            for task in _tasks(todo, FILES_PER_TASK):
                size = sum(len(job[2]) for job in task)
                pending.append((pool.submit(_extract_task, task, finish), size))
                in_flight += size
                while pending and (in_flight > WINDOW_BYTES or pending[0][0].done()):
                    done, size = pending.popleft()
                    in_flight -= size
                    yield from results(done.result())
            while pending:
                yield from results(pending.popleft()[0].result())
        finally:
            # An interrupted consumer (Ctrl-C, a failed write) must not wait for queued files.
            for future, _ in pending:
                future.cancel()


def _unordered(
    pool: ProcessPoolExecutor, todo: Iterator[tuple], finish: Callable[[tuple], tuple] | None,
    results: Callable[[Iterable[tuple[tuple | None, dict[str, bytes] | None]]], Iterator[tuple | None]],
) -> Iterator[tuple | None]:
    """`parse_files`' pool loop yielding each task's rows as soon as it is done. A task ends at
    TASK_BYTES of source (or FILES_PER_TASK files), so the largest files (read first) go one by
    one and the first rows come back after one file instead of four (sympy: after ~0.5 s instead
    of ~1.6 s of a ~4.3 s parse)."""
    pending: dict[Future, int] = {}
    in_flight = 0

    def finished(block: bool) -> Iterator[tuple | None]:
        nonlocal in_flight
        done = wait(pending, return_when=FIRST_COMPLETED).done if block else [f for f in pending if f.done()]
        for future in done:
            in_flight -= pending.pop(future)
            yield from results(future.result())

    try:
        for task in _tasks(todo, FILES_PER_TASK, TASK_BYTES):
            size = sum(len(job[2]) for job in task)
            pending[pool.submit(_extract_task, task, finish)] = size
            in_flight += size
            yield from finished(block=False)
            while in_flight > WINDOW_BYTES:
                yield from finished(block=True)
        while pending:
            yield from finished(block=True)
    finally:
        for future in pending:
            future.cancel()


WINDOW_BYTES = 128 << 20
"""Source bytes handed to the pool and not yet returned: bounds memory on very large repositories."""
FILES_PER_TASK = 4
"""Files per pool task: small, so both workers finish together (readers yield largest first)."""


TASK_BYTES = 256 << 10
"""Source bytes that end an unordered pool task before FILES_PER_TASK files."""


def _tasks(jobs: Iterator[tuple], n: int, max_bytes: int | None = None) -> Iterator[list[tuple]]:
    task: list[tuple] = []
    size = 0
    for job in jobs:
        task.append(job)
        size += len(job[2])
        if len(task) >= n or (max_bytes is not None and size >= max_bytes):
            yield task
            task = []
            size = 0
    if task:
        yield task


def _worker_init() -> None:
    # Extraction allocates millions of small acyclic objects; cyclic GC passes over them are waste.
    gc.disable()


def _extract_task(task: list[tuple], finish: Callable[[tuple], tuple] | None) -> list[tuple]:
    return [_extract_job(job, finish) for job in task]


def _extract_job(job: tuple, finish: Callable[[tuple], tuple] | None) -> tuple[tuple | None, dict[str, bytes] | None]:
    """(row, chunk entries extracted for it, packed) of one (sha, language, data[, cached entries])."""
    row, new = _extract_or_none(job)
    return (finish(row) if finish is not None and row is not None else row), new


def _extract_or_none(job: tuple) -> tuple[tuple | None, dict[str, bytes] | None]:
    sha, language, data = job[:3]
    if is_binary(data):
        return None, None
    try:
        if len(job) > 3:
            known = {key: unpack_entry(entry) for key, entry in job[3].items()}
            rows, new = chunked_rows(data, known, job[4])
            return (sha, language, *rows), {key: pack_entry(entry) for key, entry in new.items()}
        return extract_rows(job), None
    except Exception as exc:  # a grammar crash on one file must not stop the index
        log.warning("extraction failed", sha=sha, language=language, error=f"{type(exc).__name__}: {exc}")
        return (sha, language, 1, data.count(b"\n") + 1, "", [("module", "", "", -1, 1, 1, "", "", "", "")], []), None
