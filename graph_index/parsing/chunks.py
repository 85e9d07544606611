"""Python extraction by pieces, so a file changed by small edits re-extracts only the
definitions that changed (the embedded index keeps every piece's entry, see `indexer.ChunkCache`).

A file is cut, without parsing, before each column-0 line that starts `def`, `async def`, `class`
or a decorator (a decorator's definition stays with it); what precedes the first is the header.
A class of CLASS_SPLIT bytes or more is cut again, at its body's indentation, into its head and
its members, each member extracted inside a stand-in class (`class _:`); the class's own row is
rebuilt from its head and its last member. Small definitions share a piece (`_group`).

Each piece is extracted on its own through `python.extract_rows` (whichever extractor sits behind
it) and the pieces' rows merge into exactly the rows of the whole file: symbol indices, parents
and lines shifted, qualified names numbered file-wide (`f#2`), the module row rebuilt, refs
deduplicated file-wide in the whole-file extractor's order. That order is grouped by phase
(decorators and bases; calls; annotations; isinstance/issubclass class arguments; assignments;
imports), so each piece is extracted with a sentinel call and a sentinel annotation appended: they
come last in their phases, which makes every phase boundary visible in the piece's refs.

A piece with a syntax error sends its class, then its file, to whole extraction: a cut inside a
string or a bracket leaves an unterminated construct in the piece before it, so a wrong cut is
caught, and a file with real errors is extracted as it always was. No cut is made after a
backslash continuation or an odd number of triple quotes, nor in a class below its body's end.
Parity with whole-file extraction: tests/graph/test_chunks.py, benchmarks/indexing/chunk_parity.py.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import re
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

from graph_index.parsing import python
from graph_index.parsing.facts import unique_qualname

_SENTINEL_CALL = "__orch_chunk_end_call__"
_SENTINEL_TYPE = "__OrchChunkEndType__"
_SENTINEL = f"{_SENTINEL_CALL}()\n__orch_chunk_end_name__: {_SENTINEL_TYPE}\n".encode()
_MEMBER_HEAD = b"class _:\n"
"""Members of a class are extracted inside a stand-in class, whatever the real one is called."""
_FAILED = (1, "", [], [], [], [], [], [], [])
_PHASE_KINDS = (("reference", "inherit"), ("call",), ("reference",), ("reference",), ("assign",), ("import",))
"""Ref kinds of each phase, in whole-file extraction order."""
_BODY_LINE = re.compile(rb"\n([ \t]*)(?=[^ \t\r\n#])")
"""The next line holding something other than blanks or a comment."""
_CLASS_LINE = re.compile(rb"^(?:(?:async[ \t]+)?def|class)[ \t]", re.M)
MIN_CHUNKS = 2
"""Files cut into fewer pieces are extracted whole: there is nothing to reuse within them."""
CLASS_SPLIT = 4096
"""Classes smaller than this are not cut into members."""
GROUP_ALONE = 1024
GROUP_ONE_IN = 4
"""Pieces: definitions of GROUP_ALONE bytes or more alone, smaller ones about GROUP_ONE_IN together."""
TOP, HEAD, MEMBER = 0, 1, 2
"""Piece kinds: a top-level chunk; a class chunk's head (decorators, class line, body up to the
first member); a member of that class (a method, nested class or decorated one)."""


@functools.cache
def _cut_at(indent: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"\n" + re.escape(indent) + rb"(@|(?:async[ \t]+)?def[ \t]|class[ \t])")


@functools.cache
def version() -> str:
    """Digest of the code an entry depends on; every chunk key starts with it."""
    # Entries are valid for one extractor and one merge: a digest of the parsing package's
    # sources (Python and native) versions them.
    h = hashlib.blake2b(digest_size=6)
    here = Path(__file__).resolve().parent
    for path in sorted(p for ext in ("py", "c", "h") for p in here.rglob(f"*.{ext}")):
        h.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()



def chunk_key(piece: bytes, kind: int = TOP) -> str:
    """Cache key of one piece's entry (extractor version, kind, content)."""
    return f"{version()}{'m' if kind == MEMBER else 't'}{hashlib.blake2b(piece, digest_size=12).hexdigest()}"


def _cuts(data: bytes, lo: int, hi: int, indent: bytes) -> list[int]:
    """Line starts in (lo, hi) where a definition at `indent` begins; a decorator's definition
    stays with it, and a line continued by a backslash is no statement's start. A line after an
    odd number of triple quotes is most likely inside a string (source held in a test, say): not
    cut there, as the piece before would fail and send its whole file to whole-file extraction."""
    cuts: list[int] = []
    last = lo
    pending_decorator = data.startswith(indent + b"@", lo)
    for m in _cut_at(indent).finditer(data, lo, hi):
        pos = m.start() + 1
        is_decorator = m.group(1) == b"@"
        if pending_decorator:
            pending_decorator = is_decorator
            continue
        if data[pos - 2 : pos - 1] == b"\\" or data[pos - 3 : pos - 1] == b"\\\r":
            continue
        if data.count(b'"""', last, pos) % 2 or data.count(b"'''", last, pos) % 2:
            continue
        cuts.append(pos)
        last = pos
        pending_decorator = is_decorator
    return cuts


def split(data: bytes) -> list[int]:
    """Start offsets of the top-level chunks (the first is 0); each runs to the next or the end."""
    return [0, *_cuts(data, 0, len(data), b"")]


def _members(data: bytes, lo: int, hi: int) -> list[int]:
    """Start offsets of the members of the class chunk data[lo:hi] (none if it is no class, or
    its header is not one line ending in a colon)."""
    if not data.startswith((b"class", b"@"), lo):
        return []
    line = _CLASS_LINE.search(data, lo, hi)
    if line is None or not data.startswith(b"class", line.start()):
        return []
    eol = data.find(b"\n", line.start(), hi)
    if eol < 0 or not data[line.start() : eol].split(b"#", 1)[0].rstrip().endswith(b":"):
        return []
    # Cuts are made at the indentation of the body's first statement, and only up to the first
    # statement not indented that deep (the body's end, or a string's line). tree-sitter accepts
    # a dedent to a level never opened and a block left empty, so a cut anywhere else could
    # parse without error and still be wrong.
    body = _BODY_LINE.search(data, eol, hi)
    if body is None or not body.group(1):
        return []
    indent = body.group(1)
    end = _outside(indent).search(data, body.start(), hi)
    return _cuts(data, eol, end.start() + 1 if end is not None else hi, indent)


@functools.cache
def _outside(indent: bytes) -> re.Pattern[bytes]:
    """The next line that is neither blank, nor a comment, nor indented by `indent`."""
    return re.compile(rb"\n(?!" + re.escape(indent) + rb"|[ \t]*(?:#|\r?\n|\r?$))")


def _group(data: bytes, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Consecutive spans joined into pieces of a few: each extraction has a fixed cost, so tiny
    pieces cost more than they save. A piece ends after a span of GROUP_ALONE bytes or more,
    before one, or after a span whose content hash says so: ends depend on content near them
    only, so an edit moves no end but its own span's, and the pieces around it stay the same."""
    out: list[tuple[int, int]] = []
    view = memoryview(data)
    start = -1
    for i, (lo, hi) in enumerate(spans):
        if start < 0:
            start = lo
        last = i + 1 == len(spans)
        if (
            last
            or hi - lo >= GROUP_ALONE
            or spans[i + 1][1] - spans[i + 1][0] >= GROUP_ALONE
            or zlib.crc32(view[lo:hi]) % GROUP_ONE_IN == 0
        ):
            out.append((start, hi))
            start = -1
    return out


def pieces(data: bytes, *, class_split: int | None = None, grouped: bool = True) -> list[tuple[int, int, int]]:
    """(start, end, kind) of the pieces `chunked_rows` extracts, in document order. The keywords
    give other cuts for measuring (`class_split=0, grouped=False`: every definition and class
    member alone, the finest cut this scheme has); extraction uses the defaults."""
    class_split = CLASS_SPLIT if class_split is None else class_split
    group = _group if grouped else (lambda _data, spans: spans)
    starts = split(data)
    bounds = [*starts[1:], len(data)]
    out: list[tuple[int, int, int]] = []
    run: list[tuple[int, int]] = []
    for lo, hi in zip(starts, bounds, strict=True):
        members = _members(data, lo, hi) if hi - lo >= class_split else []
        if not members:
            run.append((lo, hi))
            continue
        out.extend((a, b, TOP) for a, b in group(data, run))
        run = []
        out.append((lo, members[0], HEAD))
        ends = [*members[1:], hi]
        out.extend((a, b, MEMBER) for a, b in group(data, list(zip(members, ends, strict=True))))
    out.extend((a, b, TOP) for a, b in group(data, run))
    return out


def extract_chunk(chunk: bytes) -> tuple:
    """A piece's entry: (errors, module docstring, symbol rows without the module, refs by phase
    (six lists)), lines and symbol indices relative to the piece as extracted."""
    text = chunk if chunk.endswith(b"\n") else chunk + b"\n"
    errors, _lines, _package, syms, refs = python.extract_rows(text + _SENTINEL)
    if errors:
        return _FAILED
    # The sentinels sit on the two lines after the text, so their rows are known exactly and
    # found by `index`; the few refs around them are checked by kind.
    line = text.count(b"\n") + 1
    try:
        call = refs.index((0, "call", _SENTINEL_CALL, _SENTINEL_CALL, "", line))
        note = refs.index((0, "reference", _SENTINEL_TYPE, _SENTINEL_TYPE, "", line + 1), call)
    except ValueError:
        return _FAILED
    first_call = 0
    while refs[first_call][1] != "call":
        first_call += 1
    assign = note + 1
    while assign < len(refs) and refs[assign][1] == "reference":
        assign += 1
    imports = assign
    while imports < len(refs) and refs[imports][1] == "assign":
        imports += 1
    phases = (refs[:first_call], refs[first_call:call], refs[call + 1 : note], refs[note + 1 : assign],
              refs[assign:imports], refs[imports:])
    for phase, kinds in zip(phases, _PHASE_KINDS, strict=True):
        if phase and (phase[0][1] not in kinds or phase[-1][1] not in kinds):
            return _FAILED  # not the phase order this merge knows: extract the file whole
    if any(ref[1] != "import" for ref in phases[5]):
        return _FAILED
    return (0, syms[0][7], syms[1:], *phases)


def extract_piece(piece: bytes, kind: int = TOP) -> tuple:
    """The entry of one piece of `pieces(...)`, extracted on its own."""
    return _extract_member(piece) if kind == MEMBER else extract_chunk(piece)


def _extract_member(piece: bytes) -> tuple:
    """A member's entry, extracted inside the stand-in class (its symbol 1, lines from 1 for
    the stand-in's line); a member that does not sit in it as a member has failed."""
    entry = extract_chunk(_MEMBER_HEAD + piece)
    syms = entry[2]
    if entry[0] or not syms or syms[0][:4] != ("class", "_", "_", 0) or syms[0][4] != 1:
        return _FAILED
    return entry


def _combine(parts: list[tuple[tuple, int, int]]) -> tuple[list[tuple], list[list[tuple]]]:
    """Symbol rows (module not included) and refs by phase of consecutive parts, each (entry,
    line offset, stand-in symbols): numbered, nested and deduplicated as one extraction of the
    whole would. A part's first `stand-in` symbols are the stand-in class; what they own goes to
    symbol 1 (the real class)."""
    symbols: list[tuple] = []
    quals: list[str] = [""]
    seen: dict[str, int] = {}
    maps: list[tuple[int, int]] = []
    for entry, offset, stand_in in parts:
        base = len(symbols) - stand_in
        maps.append((base, stand_in))
        for kind, name, _qual, parent, first, last, sig, doc, chash, terms in entry[2][stand_in:]:
            parent = 0 if parent == 0 else 1 if parent <= stand_in else parent + base
            # Numbered in document order over the whole, exactly as one extraction does.
            qual = name if parent == 0 else f"{quals[parent]}.{name}"
            qual = unique_qualname(qual, seen)
            symbols.append((kind, name, qual, parent, first + offset, last + offset, sig, doc, chash, terms))
            quals.append(qual)
    # Only refs of symbols several parts share (the module; the class, in a class) can repeat
    # across parts: each part's own were deduplicated by its extraction.
    shared = 1 if any(stand_in for _, _, stand_in in parts) else 0
    phases: list[list[tuple]] = [[] for _ in range(6)]
    refs: set[tuple] = set()
    for phase in range(6):
        out = phases[phase]
        append = out.append
        for (entry, offset, _stand_in), (base, stand_in) in zip(parts, maps, strict=True):
            for src, kind, target, name, alias, at in entry[3 + phase]:
                src = 0 if src == 0 else 1 if src <= stand_in else src + base
                if src > shared:
                    append((src, kind, target, name, alias, at + offset))
                    continue
                key = (src, kind, target, name, alias)
                if key not in refs:  # the first in whole-extraction order keeps its line
                    refs.add(key)
                    append((*key, at + offset))
    return symbols, phases


def _line_offsets(data: bytes, lo: int, starts: list[int]) -> list[int]:
    """Newlines in data[lo:start] for each of the ascending `starts`."""
    out: list[int] = []
    line, prev = 0, lo
    for start in starts:
        line += data.count(b"\n", prev, start)
        prev = start
        out.append(line)
    return out


def _compose_class(data: bytes, lo: int, hi: int, parts: list[tuple[int, tuple]]) -> tuple:
    """The entry `extract_chunk(data[lo:hi])` gives for a class chunk, from its head's and
    members' entries ((start, entry) each, the head first)."""
    head = parts[0][1]
    cls = head[2][0] if head[2] else None
    if cls is None or cls[0] != "class" or cls[3] != 0 or cls[4] != 1:
        return _FAILED
    offsets = _line_offsets(data, lo, [start for start, _ in parts])
    combined = [(head, 0, 0)] + [(entry, offset - 1, 1) for (_, entry), offset in zip(parts[1:], offsets[1:], strict=True)]
    symbols, phases = _combine(combined)
    # The class spans its members: its last line is the stand-in's in the last member, and so
    # is its last byte: the one of the ends its last line can have (after its last token, or a
    # comment's trailing blanks) that gives the stand-in's hash.
    last_start, last_entry = parts[-1]
    stand_in = last_entry[2][0]
    last = stand_in[5] - 1 + offsets[-1]
    line_start = last_start
    for _ in range(last - 1 - offsets[-1]):
        line_start = data.index(b"\n", line_start, hi) + 1
    line_end = data.find(b"\n", line_start, hi)
    text = data[line_start : hi if line_end < 0 else line_end]
    for size in sorted({len(text.rstrip()), len(text.rstrip(b"\r")), len(text)}):
        end = line_start + size
        if python.content_hash(_MEMBER_HEAD + data[last_start:end]) == stand_in[8]:
            break
    else:
        return _FAILED
    symbols[0] = (*cls[:5], last, *cls[6:8], python.content_hash(data[lo:end]), cls[9])
    return (0, head[1], symbols, *phases)


def merge(data: bytes, starts: list[int], entries: list[tuple]) -> tuple[int, int, str, list[tuple], list[tuple]]:
    """The whole file's (errors, lines, package, symbol rows, ref rows) from its chunks' entries."""
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    doc = entries[0][1]
    offsets = _line_offsets(data, 0, starts)
    symbols, phases = _combine([(entry, offset, 0) for entry, offset in zip(entries, offsets, strict=True)])
    module = ("module", "", "", -1, 1, max(n_lines, 1), "", doc, "", doc)
    return 0, n_lines, "", [module, *symbols], [ref for phase in phases for ref in phase]


def piece_keys(data: bytes) -> list[str]:
    """The cache keys `chunked_rows` asks for (none for a file extracted whole)."""
    found = pieces(data)
    if len(found) < MIN_CHUNKS:
        return []
    return [chunk_key(data[lo:hi], kind) for lo, hi, kind in found]


def chunked_rows(
    data: bytes,
    cached: Mapping[str, tuple] | Callable[[list[str]], Mapping[str, tuple]] | None = None,
    found: list[tuple[int, int, int]] | None = None,
) -> tuple[tuple[int, int, str, list[tuple], list[tuple]], dict[str, tuple]]:
    """(rows as `python.extract_rows` gives them, entries extracted here by key). `cached`
    holds known entries by `chunk_key`, or is a function looking keys up; `found` is
    `pieces(data)` when the caller has it."""
    found = pieces(data) if found is None else found
    if len(found) < MIN_CHUNKS:
        return python.extract_rows(data), {}
    keys = [chunk_key(data[lo:hi], kind) for lo, hi, kind in found]
    known = cached(keys) if callable(cached) else cached or {}
    new: dict[str, tuple] = {}

    def entry_of(key: str, lo: int, hi: int, kind: int) -> tuple:
        entry = known.get(key) or new.get(key)
        if entry is None:
            entry = new[key] = extract_piece(data[lo:hi], kind)
        return entry

    starts: list[int] = []
    entries: list[tuple] = []
    i = 0
    while i < len(found):
        lo, hi, kind = found[i]
        j = i + 1
        while j < len(found) and found[j][2] == MEMBER:
            j += 1
        entry = entry_of(keys[i], lo, hi, kind)
        if kind == HEAD:
            parts = [(lo, entry)]
            for k in range(i + 1, j):
                member = entry_of(keys[k], *found[k])
                parts.append((found[k][0], member))
                if member[0]:
                    break
            end = found[j - 1][1]
            entry = _FAILED
            if not any(part[0] for _, part in parts):
                entry = _compose_class(data, lo, end, parts)
            if entry[0]:  # a cut inside the class went wrong: the class as one chunk
                entry = extract_chunk(data[lo:end])
        if entry[0]:  # remembered, so the next version with this piece goes whole at once
            return python.extract_rows(data), new
        starts.append(lo)
        entries.append(entry)
        i = j
    return merge(data, starts, entries), new


def pack_entry(entry: tuple) -> bytes:
    # Not compressed: read for every piece of a changed file, so decoding time counts most.
    return marshal.dumps(entry)


def unpack_entry(blob: bytes) -> tuple:
    return marshal.loads(blob)
