"""Append-only JSON Lines files that survive a SIGKILL at any instant.

Every record is one `write` of one complete line on an O_APPEND descriptor, under an exclusive
flock, followed by fsync: a concurrent writer (another process holding the same file) can never
interleave with it, and a record that returned is on disk. A process killed inside the write can
at worst leave a torn last line without its newline; readers skip it and `repair_tail` cuts it
off before the next append, so the next record never glues onto garbage.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger(__name__)


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON object as one line, flushed and fsynced before returning."""
    line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Complete records in file order; a torn or unparseable line is skipped with a warning."""
    if not path.is_file():
        return
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                log.warning("journal.torn_tail_skipped", path=str(path), line=n)
                return
            try:
                record = json.loads(raw)
            except json.JSONDecodeError:
                log.warning("journal.bad_line_skipped", path=str(path), line=n)
                continue
            if isinstance(record, dict):
                yield record


def repair_tail(path: Path) -> int:
    """Cut a torn last line (no trailing newline) left by a kill mid-write; returns bytes removed."""
    if not path.is_file():
        return 0
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size == 0:
            return 0
        # Read backwards in blocks until the last newline.
        pos, block = size, 4096
        while pos > 0:
            start = max(0, pos - block)
            chunk = os.pread(fd, pos - start, start)
            idx = chunk.rfind(b"\n")
            if idx != -1:
                keep = start + idx + 1
                break
            pos = start
        else:
            keep = 0
        if keep == size:
            return 0
        os.ftruncate(fd, keep)
        os.fsync(fd)
        log.warning("journal.torn_tail_cut", path=str(path), bytes=size - keep)
        return size - keep
    finally:
        os.close(fd)
