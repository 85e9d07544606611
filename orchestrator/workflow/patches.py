"""Small pure helpers over unified diffs."""

from __future__ import annotations

import re

_FILE_HEADER = re.compile(r"^diff --git a/(\S+) b/(\S+)", re.MULTILINE)


def split_files(diff: str) -> list[tuple[str, str]]:
    """(path, block) per file of a `git diff`."""
    starts = [(m.start(), m.group(2)) for m in _FILE_HEADER.finditer(diff)]
    blocks = []
    for i, (pos, path) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(diff)
        blocks.append((path, diff[pos:end]))
    return blocks


def drop_files(diff: str, paths: set[str]) -> str:
    """The diff without the blocks touching `paths` (e.g. the reproduction test)."""
    if not paths:
        return diff
    kept = [block for path, block in split_files(diff) if path not in paths]
    out = "".join(kept)
    return out if not out or out.endswith("\n") else out + "\n"


def changed_files(diff: str) -> list[str]:
    return [path for path, _ in split_files(diff)]
