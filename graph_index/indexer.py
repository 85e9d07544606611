"""Backend-independent indexing steps: list a view's files, read the ones a store lacks, parse
them (in a small process pool when there are many)."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
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
    """The view's files, and a reader yielding the content of any subset of them."""
    if commit is not None:
        listing = list_commit(repo, commit)

        def read(files: list[SourceFile]) -> Iterator[tuple[SourceFile, bytes]]:
            by_sha: dict[str, SourceFile] = {}
            for f in files:
                by_sha.setdefault(f.sha, f)
            for sha, data in read_commit_blobs(repo, by_sha):
                yield by_sha[sha], data

        return listing, read
    listing, contents = list_worktree(repo)

    def read_disk(files: list[SourceFile]) -> Iterator[tuple[SourceFile, bytes]]:
        for f in files:
            data = contents.get(f.sha)
            yield f, data if data is not None else (repo / f.path).read_bytes()

    return listing, read_disk


def parse_files(
    items: Iterable[tuple[SourceFile, bytes]], count: int, workers: int | None = None
) -> Iterator[tuple | None]:
    """Extraction rows for each item (see `parsing.extract_rows`); None for binary content."""
    workers = default_workers() if workers is None else workers

    def jobs() -> Iterator[tuple[str, str, bytes]]:
        for f, data in items:
            yield (f.sha, f.language, data)

    if workers <= 1 or count < POOL_THRESHOLD:
        for job in jobs():
            yield _extract_or_none(job)
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
        for window in _windows(jobs(), WINDOW_BYTES):
            # Largest files first, in small chunks, so both workers finish together.
            window.sort(key=lambda job: -len(job[2]))
            yield from pool.map(_extract_or_none, window, chunksize=4)


WINDOW_BYTES = 128 << 20
"""Source bytes handed to the pool at once: bounds memory on very large repositories."""


def _windows(jobs: Iterator[tuple[str, str, bytes]], limit: int) -> Iterator[list[tuple[str, str, bytes]]]:
    window: list[tuple[str, str, bytes]] = []
    size = 0
    for job in jobs:
        window.append(job)
        size += len(job[2])
        if size >= limit:
            yield window
            window, size = [], 0
    if window:
        yield window


def _worker_init() -> None:
    # Extraction allocates millions of small acyclic objects; cyclic GC passes over them are waste.
    gc.disable()


def _extract_or_none(job: tuple[str, str, bytes]) -> tuple | None:
    sha, language, data = job
    if is_binary(data):
        return None
    try:
        return extract_rows(job)
    except Exception as exc:  # a grammar crash on one file must not stop the index
        log.warning("extraction failed", sha=sha, language=language, error=f"{type(exc).__name__}: {exc}")
        return (sha, language, 1, data.count(b"\n") + 1, "", [("module", "", "", -1, 1, 1, "", "", "", "")], [])
