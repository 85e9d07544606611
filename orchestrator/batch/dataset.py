"""Which instances a batch runs, and in what order."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class SelectionError(ValueError):
    """The dataset or the selection options are unusable; the message says which."""


def load_dataset(path: Path) -> list[dict[str, Any]]:
    """Rows of a SWE-bench-style JSONL (or a JSON list), each with at least `instance_id`."""
    if not path.is_file():
        raise SelectionError(f"dataset not found: {path}")
    text = path.read_text(encoding="utf-8")
    rows: list[dict[str, Any]]
    if text.lstrip().startswith("["):
        rows = json.loads(text)
    else:
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SelectionError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
    seen: set[str] = set()
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict) or "instance_id" not in row:
            raise SelectionError(f"{path}: row {n} has no instance_id")
        if row["instance_id"] in seen:
            raise SelectionError(f"{path}: instance_id {row['instance_id']!r} appears twice")
        seen.add(row["instance_id"])
    return rows


def parse_slice(text: str) -> slice:
    """`a:b` (either side optional) as a Python slice over dataset order."""
    start, sep, stop = text.partition(":")
    if not sep:
        raise SelectionError(f"--slice expects a:b, got {text!r}")
    try:
        return slice(int(start) if start.strip() else None, int(stop) if stop.strip() else None)
    except ValueError:
        raise SelectionError(f"--slice expects integers a:b, got {text!r}") from None


def select(
    rows: Sequence[dict[str, Any]],
    *,
    instance_ids: Sequence[str] = (),
    slice_: slice | None = None,
    pattern: str | None = None,
) -> list[dict[str, Any]]:
    """Apply the slice (dataset order), then the id list, then the regex over instance_id."""
    chosen = list(rows[slice_] if slice_ is not None else rows)
    if instance_ids:
        known = {r["instance_id"] for r in rows}
        missing = [i for i in instance_ids if i not in known]
        if missing:
            raise SelectionError(f"unknown instance id(s): {', '.join(missing)}")
        wanted = set(instance_ids)
        chosen = [r for r in chosen if r["instance_id"] in wanted]
    if pattern:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise SelectionError(f"--filter is not a valid regex: {exc}") from None
        chosen = [r for r in chosen if regex.search(r["instance_id"])]
    return chosen


def order_by_repo(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group instances by repository (repositories in first-seen order), oldest first within one.

    Grouping lets the second instance of a repository reuse the first's environment image and
    graph index; chronological order keeps consecutive base commits close, so an incremental
    re-index parses few files.
    """
    first_seen: dict[str, int] = {}
    for row in rows:
        first_seen.setdefault(str(row.get("repo", "")), len(first_seen))
    return sorted(
        rows,
        key=lambda r: (first_seen[str(r.get("repo", ""))], str(r.get("created_at", "")), r["instance_id"]),
    )
