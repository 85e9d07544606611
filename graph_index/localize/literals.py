"""Literal evidence: exact strings the issue quotes (error messages, `--flags`, quoted values),
found verbatim in the repository's source.

Extraction and hit -> symbol mapping are pure. The search itself is a bounded `git grep -F` over
the repository at the view's commit (or its working tree), keyed only by repository path and
commit, so every graph backend sees the same hits; any failure (no git, timeout) means no hits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from graph_index.localize.gitrun import optional_git
from graph_index.localize.issue import code_regions
from graph_index.localize.view import Symbol

MIN_FRAGMENT_CHARS = 15
"""A message fragment shorter than this (`bad x`, `not found`) is too common to point anywhere."""
MIN_FRAGMENT_WORDS = 3
MIN_FLAG_CHARS = 3
"""Letters of a flag's name after its dashes (`--fixtures`)."""
MAX_FRAGMENTS = 4
"""Longest fragments searched per message."""
WINDOW_WORDS = 6
"""Words of each end searched for a fragment longer than one source line usually holds."""
MAX_LITERALS = 24
"""Literals searched per issue (bounds the search on very long issues)."""
GREP_TIMEOUT_S = 2.0
SOURCE_SUFFIXES = (".py", ".pyx", ".pyi", ".js", ".jsx", ".ts", ".tsx", ".java", ".go")
"""Only code counts: changelogs and docs quote flags and messages without defining them."""


@dataclass(frozen=True)
class Literal:
    text: str
    """As the issue writes it (for evidence notes)."""
    patterns: tuple[str, ...]
    """Fixed strings searched for; a source line containing any of them is a hit."""
    kind: str
    """message | flag | string"""


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    text: str


_FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?![\w-])")
_ERROR_LINE = re.compile(
    r"^[\s>*_]*(?:[\w.]+\.)?([A-Z]\w*(?:Error|Exception|Warning|Exit|Failure))\s*:\s+(.+?)[\s*_]*$", re.MULTILINE
)
_QUOTE_LINE = re.compile(r"^[ \t]*>[ \t]?(?![>=])(.+)$", re.MULTILINE)
_QUOTED_CODE = re.compile(r"""(?<![\w\\])(['"])([^'"\n\\]{2,120})\1""")
_QUOTED_PROSE = re.compile(r'(?<![\w\\])"([^"\n\\]{2,120})"')
# Parts of a message a program fills in or a reporter abbreviates: format placeholders,
# quoted values, numbers with units, paths; a message's fixed text lies between them.
_SPLIT = re.compile(
    r"\{[^}]*\}|%[-+ #0]*\d*(?:\.\d+)?[sdrfigxX]|'[^']*'|\"[^\"]*\"|`[^`]*`|<[^>]*>|\S*[/\\]\S*|\S*\d\S*|(?<=[.!?;:])\s+"
)
_SHORT_VALUE = re.compile(r"^[\w.+-]{2,40}$")


def fragments(message: str) -> list[str]:
    """The longest fixed pieces of a message, longest first, each distinctive enough to search."""
    message = message.strip().strip("`*_").strip()
    if len(message) > 1 and message[0] == message[-1] and message[0] in "'\"":
        message = message[1:-1]
    pieces: dict[str, None] = {}
    for piece in _SPLIT.split(message):
        piece = " ".join(piece.split()).strip(" ,;:-(`")
        if len(piece) >= MIN_FRAGMENT_CHARS and len(piece.split()) >= MIN_FRAGMENT_WORDS:
            pieces.setdefault(piece, None)
    out: dict[str, None] = {}
    for piece in sorted(pieces, key=lambda p: -len(p)):
        words = piece.split()
        if len(words) > WINDOW_WORDS + 2:
            # Source code wraps long messages over several string literals: search both ends.
            out.setdefault(" ".join(words[:WINDOW_WORDS]), None)
            out.setdefault(" ".join(words[-WINDOW_WORDS:]), None)
        else:
            out.setdefault(piece, None)
    return list(out)[:MAX_FRAGMENTS]


def _message(text: str, quoted: bool = False) -> Literal | None:
    """A message's fragments; a string the issue quotes is also searched whole (a format string
    the reporter copied from the code matches as written)."""
    frags = fragments(text)
    whole = (text,) if quoted and len(text) >= MIN_FRAGMENT_CHARS and text not in frags else ()
    patterns = (*whole, *frags)
    return Literal(" ".join(text.split())[:80], patterns, "message") if patterns else None


def _value(value: str) -> Literal | None:
    """A short quoted value (`'OL'`, `"utf-8"`): searched with its quotes, as code writes it."""
    if not _SHORT_VALUE.match(value) or value.isdigit() or not any(c.isalpha() for c in value):
        return None
    return Literal(f"'{value}'", (f"'{value}'", f'"{value}"'), "string")


def issue_literals(text: str) -> list[Literal]:
    """Literals worth searching for, in the order the issue gives them (flags first)."""
    out: dict[tuple[str, ...], Literal] = {}

    def add(lit: Literal | None) -> None:
        if lit is not None and lit.patterns and lit.patterns not in out:
            out[lit.patterns] = lit

    for m in _FLAG.finditer(text):
        flag = m.group(1)
        if len(flag.lstrip("-").replace("-", "")) >= MIN_FLAG_CHARS:
            add(Literal(flag, (f'"{flag}"', f"'{flag}'"), "flag"))
    for m in _ERROR_LINE.finditer(text):
        add(_message(m.group(2)))
    blocks, inline, prose = code_regions(text)
    for m in _QUOTE_LINE.finditer(prose):
        add(_message(m.group(1)))
    # Short values only where the reporter points at them: code blocks are full of dict keys
    # and SQL names (`"id"`, `'url'`) that are everywhere.
    for chunk, values in [*((b, False) for b in blocks), *((i, True) for i in inline)]:
        for m in _QUOTED_CODE.finditer(chunk):
            value = m.group(2)
            add(_message(value, quoted=True) if " " in value.strip() else _value(value) if values else None)
    for m in _QUOTED_PROSE.finditer(prose):
        value = m.group(1)
        add(_message(value, quoted=True) if " " in value.strip() else _value(value))
    return list(out.values())[:MAX_LITERALS]


def handed_literal(name: str) -> Literal:
    """Where code hands the callable `name` (`re.compile`) over as a value: `type=re.compile`,
    `{"regexp": re.compile, ...}`, `map(re.compile, x)` (see `issue.handed_callables`)."""
    return Literal(f"{name} passed as a value", (f"{name},", f"{name})", f"={name}"), "handed")


def match_hits(literals: Sequence[Literal], hits: Iterable[Hit]) -> dict[Literal, list[Hit]]:
    """Which literal each matched line holds (a line may hold several)."""
    out: dict[Literal, list[Hit]] = {}
    for h in hits:
        for lit in literals:
            if any(p in h.text for p in lit.patterns):
                out.setdefault(lit, []).append(h)
    return out


def innermost(symbols: Iterable[Symbol], line: int) -> Symbol | None:
    """The narrowest function or method whose span holds `line` (classes excluded)."""
    best: Symbol | None = None
    for s in symbols:
        if s.kind == "class" or not (s.start_line <= line <= s.end_line):
            continue
        if best is None or (s.end_line - s.start_line) < (best.end_line - best.start_line):
            best = s
    return best


def grep(root: Path | str | None, commit: str | None, patterns: Sequence[str], files: Iterable[str]) -> list[Hit]:
    """Lines of the repository's files (at `commit`, else the working tree) holding any of
    `patterns` verbatim; only `files` count. Empty on any failure: literal evidence is optional."""
    if root is None or not patterns:
        return []
    root = Path(root)
    wanted = {f for f in files if f.endswith(SOURCE_SUFFIXES)}
    # Pathspecs from the view's own files: a working tree may hold a virtualenv or build output.
    suffixes = sorted({"." + f.rsplit(".", 1)[-1] for f in wanted})
    specs = sorted({f for f in wanted if "/" not in f})
    specs += sorted({f"{f.split('/', 1)[0]}/*{suf}" for f in wanted if "/" in f for suf in suffixes})
    if not specs:
        return []
    args = ["git", "-c", "core.quotepath=off", "grep", "-F", "-n", "-z", "-I", "--no-color"]
    for p in patterns:
        args += ["-e", p]
    if commit and (root / ".git").exists():
        args += [commit, "--", *specs]
    else:
        args += ["--no-index", "--", *specs]
    stdout = optional_git(args, root, GREP_TIMEOUT_S, "literal search", ok=(0, 1))  # 1: nothing matched
    if stdout is None:
        return []
    prefix = f"{commit}:" if commit and (root / ".git").exists() else ""
    out = []
    for raw in stdout.split(b"\n"):
        parts = raw.split(b"\0", 2)
        if len(parts) != 3:
            continue
        path = parts[0].decode(errors="replace").removeprefix(prefix)
        if path in wanted and parts[1].isdigit():
            out.append(Hit(path, int(parts[1]), parts[2].decode(errors="replace")))
    return out


def scan(texts: Mapping[str, str], patterns: Sequence[str]) -> list[Hit]:
    """`grep` over texts held in memory (views built without a repository on disk)."""
    out = []
    for path in sorted(texts):
        for i, line in enumerate(texts[path].splitlines(), 1):
            if any(p in line for p in patterns):
                out.append(Hit(path, i, line))
    return out
