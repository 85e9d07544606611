"""Python extraction by top-level chunks, so a file that changed by small edits re-extracts only
the definitions that changed.

A file is cut, without parsing, before each column-0 line that starts `def`, `async def`, `class`
or a decorator (a decorator's definition stays with it); what precedes the first is the header.
Each chunk is extracted on its own through `python.extract_rows` (whichever extractor sits behind
it) and the chunks' rows merge into exactly the rows of the whole file: symbol indices, parents
and lines shifted, qualified names numbered file-wide (`f#2`), the module row rebuilt, refs
deduplicated file-wide in the whole-file extractor's order. That order is grouped by phase
(decorators and bases; calls; annotations; isinstance/issubclass class arguments; assignments;
imports), so each chunk is extracted with a sentinel call and a sentinel annotation appended: they
come last in their phases, which makes every phase boundary visible in the chunk's refs.

Any chunk with a syntax error sends the whole file to whole-file extraction: a cut inside a
string or a bracket leaves an unterminated construct in the chunk before it, so a wrong cut is
caught, and a file with real errors is extracted as it always was. Cuts after a backslash
continuation are not made. Chunk entries are plain, picklable tuples keyed by `chunk_key`, so
a cache can hand them from one file version (or process) to the next.
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

_CUT = re.compile(rb"^(?:@|(?:async[ \t]+)?def[ \t]|class[ \t])", re.M)
_SENTINEL_CALL = "__orch_chunk_end_call__"
_SENTINEL_TYPE = "__OrchChunkEndType__"
_SENTINEL = f"{_SENTINEL_CALL}()\n__orch_chunk_end_name__: {_SENTINEL_TYPE}\n".encode()
_FAILED = (1, "", [], [], [], [], [], [], [])
_PHASE_KINDS = (("reference", "inherit"), ("call",), ("reference",), ("reference",), ("assign",), ("import",))
"""Ref kinds of each phase, in whole-file extraction order."""
MIN_CHUNKS = 2
"""Files cut into fewer chunks are extracted whole: there is nothing to reuse within them."""


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



def chunk_key(chunk: bytes) -> str:
    """Cache key of one chunk's entry (extractor version + content)."""
    return version() + hashlib.blake2b(chunk, digest_size=12).hexdigest()


def split(data: bytes) -> list[int]:
    """Start offsets of the chunks (the first is 0); each runs to the next start or the end."""
    starts = [0]
    pending_decorator = False
    for m in _CUT.finditer(data):
        pos = m.start()
        is_decorator = data[pos : pos + 1] == b"@"
        if pos == 0:
            pending_decorator = is_decorator
            continue
        if pending_decorator:
            # Decorators and the definition they decorate are one chunk.
            pending_decorator = is_decorator
            continue
        before = data[max(0, pos - 3) : pos]
        if before.endswith((b"\\\n", b"\\\r\n")):
            continue  # a continued line: this `def` is not a statement's start
        starts.append(pos)
        pending_decorator = is_decorator
    return starts


def extract_chunk(chunk: bytes) -> tuple:
    """A chunk's entry: (errors, module docstring, symbol rows without the module, refs by phase
    (six lists)), lines and symbol indices relative to the chunk."""
    text = chunk if chunk.endswith(b"\n") else chunk + b"\n"
    errors, _lines, _package, syms, refs = python.extract_rows(text + _SENTINEL)
    if errors:
        return _FAILED
    phases: list[list[tuple]] = [[] for _ in range(6)]
    phase = 0
    for ref in refs:
        src, kind, target = ref[0], ref[1], ref[2]
        if phase == 0 and kind == "call":
            phase = 1
        if phase == 1 and kind == "call" and target == _SENTINEL_CALL and src == 0:
            phase = 2
            continue
        if phase == 2 and kind == "reference" and target == _SENTINEL_TYPE and src == 0:
            phase = 3
            continue
        if phase == 3 and kind != "reference":
            phase = 4
        if phase == 4 and kind == "import":
            phase = 5
        if kind not in _PHASE_KINDS[phase]:
            return _FAILED  # not the phase order this merge knows: extract the file whole
        phases[phase].append(ref)
    if phase < 3:
        return _FAILED
    return (0, syms[0][7], syms[1:], *phases)


def merge(data: bytes, starts: list[int], entries: list[tuple]) -> tuple[int, int, str, list[tuple], list[tuple]]:
    """The whole file's (errors, lines, package, symbol rows, ref rows) from its chunks' entries."""
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    doc = entries[0][1]
    symbols: list[tuple] = [("module", "", "", -1, 1, max(n_lines, 1), "", doc, "", doc)]
    quals: list[str] = [""]
    seen: dict[str, int] = {}
    bases: list[int] = []
    offsets: list[int] = []
    line = 0
    prev = 0
    for start, entry in zip(starts, entries, strict=True):
        line += data.count(b"\n", prev, start)
        prev = start
        offsets.append(line)
        base = len(symbols) - 1
        bases.append(base)
        for kind, name, _qual, parent, first, last, sig, docstring, chash, terms in entry[2]:
            parent = parent + base if parent > 0 else 0
            # Numbered file-wide, in document order, exactly as whole-file extraction does.
            qual = name if parent == 0 else f"{quals[parent]}.{name}"
            if qual in seen:
                seen[qual] += 1
                qual = f"{qual}#{seen[qual]}"
            else:
                seen[qual] = 1
            symbols.append((kind, name, qual, parent, first + line, last + line, sig, docstring, chash, terms))
            quals.append(qual)
    refs: dict[tuple, int] = {}
    add = refs.setdefault
    for phase in range(3, 9):
        for entry, base, offset in zip(entries, bases, offsets, strict=True):
            for src, kind, target, name, alias, at in entry[phase]:
                add((src + base if src > 0 else 0, kind, target, name, alias), at + offset)
    return 0, n_lines, "", symbols, [(*key, at) for key, at in refs.items()]


def chunked_rows(
    data: bytes, cached: Mapping[str, tuple] | Callable[[list[str]], Mapping[str, tuple]] | None = None
) -> tuple[tuple[int, int, str, list[tuple], list[tuple]], dict[str, tuple]]:
    """(rows as `python.extract_rows` gives them, entries extracted here by key). `cached`
    holds known entries by `chunk_key`, or is a function looking keys up."""
    starts = split(data)
    if len(starts) < MIN_CHUNKS:
        return python.extract_rows(data), {}
    bounds = [*starts[1:], len(data)]
    chunks = [data[a:b] for a, b in zip(starts, bounds, strict=True)]
    keys = [chunk_key(c) for c in chunks]
    known = cached(keys) if callable(cached) else cached or {}
    if any(known[key][0] for key in keys if key in known):
        return python.extract_rows(data), {}
    entries: list[tuple] = []
    new: dict[str, tuple] = {}
    for key, chunk in zip(keys, chunks, strict=True):
        entry = known.get(key) or new.get(key)
        if entry is None:
            entry = new[key] = extract_chunk(chunk)
            if entry[0]:  # remembered, so the next version with this chunk goes whole at once
                return python.extract_rows(data), new
        entries.append(entry)
    return merge(data, starts, entries), new


def split_keys(data: bytes) -> list[str]:
    """The cache keys `chunked_rows` will ask for (none for a file extracted whole)."""
    starts = split(data)
    if len(starts) < MIN_CHUNKS:
        return []
    bounds = [*starts[1:], len(data)]
    return [chunk_key(data[a:b]) for a, b in zip(starts, bounds, strict=True)]


def pack_entry(entry: tuple) -> bytes:
    return zlib.compress(marshal.dumps(entry), 1)


def unpack_entry(blob: bytes) -> tuple:
    return marshal.loads(zlib.decompress(blob))
