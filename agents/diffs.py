"""Reading unified diffs: which files and lines changed. Pure functions, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_TEST_PATH = re.compile(
    r"(^|/)(tests?|testing|__tests__|spec)/|(^|/)test_[^/]*$|_tests?\.[a-z]+$|\.(test|spec)\.[jt]sx?$|"
    r"(^|/)conftest\.py$|Test\.java$"
)


def is_test_path(path: str) -> bool:
    return bool(_TEST_PATH.search(path))


@dataclass
class FileChange:
    path: str
    new_file: bool = False
    deleted: bool = False
    added: list[tuple[int, str]] = field(default_factory=list)
    """(line in the new file, text) of every added line."""
    removed: list[tuple[int, str]] = field(default_factory=list)
    """(line in the old file, text) of every removed line."""
    old_lines: set[int] = field(default_factory=set)
    """Base-commit lines the change removes or adds after, for mapping to graph nodes."""

    @property
    def old_spans(self) -> list[tuple[int, int]]:
        """`old_lines` as inclusive runs."""
        spans: list[tuple[int, int]] = []
        for n in sorted(self.old_lines):
            if spans and n == spans[-1][1] + 1:
                spans[-1] = (spans[-1][0], n)
            else:
                spans.append((n, n))
        return spans


def parse_diff(diff: str) -> list[FileChange]:
    changes: list[FileChange] = []
    cur: FileChange | None = None
    old_no = new_no = 0
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            parts = line.split(" b/", 1)
            cur = FileChange(path=parts[1] if len(parts) == 2 else line.split()[-1])
            changes.append(cur)
            continue
        if cur is None:
            continue
        if line.startswith("new file mode"):
            cur.new_file = True
        elif line.startswith("deleted file mode"):
            cur.deleted = True
        elif line.startswith("+++ ") or line.startswith("--- "):
            target = line[4:].strip()
            if line.startswith("+++ ") and target.startswith("b/"):
                cur.path = target[2:]
        elif m := _HUNK.match(line):
            old_no, new_no = int(m.group(1)), int(m.group(3))
            if m.group(2) == "0":  # pure insertion: git numbers the line it follows
                old_no += 1
        elif line.startswith("+"):
            cur.added.append((new_no, line[1:]))
            # An added line belongs to the definition of the line it follows.
            cur.old_lines.add(max(1, old_no - 1))
            new_no += 1
        elif line.startswith("-"):
            cur.removed.append((old_no, line[1:]))
            cur.old_lines.add(old_no)
            old_no += 1
        elif line.startswith(" "):
            old_no += 1
            new_no += 1
    return changes


def changed_files(diff: str) -> list[str]:
    return [c.path for c in parse_diff(diff)]
