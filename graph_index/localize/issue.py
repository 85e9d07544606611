"""What an issue's text names: paths, dotted modules, stack-trace frames, identifiers, tests.

Pure text analysis; nothing here knows the repository. Each identifier carries a strength that
says how deliberately the reporter named it (backticks > code > CamelCase/snake_case in prose).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

# Strengths of an identifier by where it appears.
IN_BACKTICKS = 1.0
IN_TRACEBACK = 0.9
CALLED_IN_PROSE = 0.9
IN_CODE = 0.6
SHAPED_IN_PROSE = 0.6  # CamelCase or snake_case in plain prose
PLAIN_WORD_FACTOR = 0.3
"""Scales single lower-case words (no underscore, no capital) found in code or called in prose."""

BUILTIN_NAMES = frozenset(
    ["abs", "all", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable", "chr", "classmethod", "compile", "complex", "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec", "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr", "hash", "help", "hex", "id", "input", "int", "isinstance", "issubclass", "iter", "len", "list", "locals", "map", "max", "memoryview", "min", "next", "object", "oct", "open", "ord", "pow", "print", "property", "range", "repr", "reversed", "round", "set", "setattr", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple", "type", "vars", "zip", "self", "cls", "None", "True", "False", "print", "import", "from", "def", "class", "return", "lambda", "yield", "assert", "raise", "try", "except", "finally", "with", "while", "for", "else", "elif", "not", "and", "the", "args", "kwargs", "Exception", "ValueError", "TypeError", "KeyError", "IndexError", "AttributeError", "RuntimeError", "NotImplementedError", "ImportError", "OSError", "Warning", "UserWarning", "DeprecationWarning", "Traceback", "numpy", "pandas", "np", "pd", "plt", "matplotlib", "pyplot", "os", "sys", "re", "json", "math"]
)

_FENCE = re.compile(r"```[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
_PY_FRAME = re.compile(r'File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?')
# IPython / Jupyter tracebacks: `File ~/pkg/mod.py:841, in Class.method(self, x)` (IPython 8),
# and `~/pkg/mod.py in method(self, x)` with the line on a later `---> 841` marker (before 8).
_IPY_FRAME = re.compile(r"^[ \t]*File[ \t]+([^\s\",]+\.py):(\d+)(?:,[ \t]*in[ \t]+([\w<>.]+))?", re.MULTILINE)
# VS Code's notebooks write the old style's path as a link: `[c:\...\x.py](file:///c:/.../x.py) in f(`.
_IPY_OLD_FRAME = re.compile(r"^[ \t]*(?:\[([^\]\s]+\.py)\]\([^)\s]*\)|([^\s\"\[]+\.py)) in ([\w<>.]+)\(", re.MULTILINE)
_IPY_MARKER = re.compile(r"^[ \t]*-+>[ \t]*(\d+)", re.MULTILINE)
_PYTEST_FRAME = re.compile(r"^\s*((?:[A-Za-z]:)?[\w./\\-]+\.py):(\d+):(?: in ([\w<>.]+))?", re.MULTILINE)
# A warning as Python prints it, `path/x.py:206: UserWarning: message`: the line that raised it,
# like a frame's (the path may sit behind a redacted or odd prefix: `[redacted]/site-packages/...`).
_WARNING_FRAME = re.compile(r"^[ \t]*\S*?([\w.\\/-]+\.py):(\d+):[ \t]+[A-Z]\w*Warning:", re.MULTILINE)
# A line the reporter points at in prose: "`jsonrep.py` at line 227", "x.py, line 12", "line 12 of
# x.py", and permalinks (`.../x.py#L227`). Like a frame without a function: the line picks it.
_LINE_POINTER = re.compile(
    r"([\w./\\-]+\.py)`?,?[ \t]+(?:at[ \t]+|on[ \t]+)?line[ \t]+(\d+)"
    r"|\blines?[ \t]+(\d+)(?:[ \t]*-[ \t]*\d+)?[ \t]+(?:of|in)[ \t]+`?([\w./\\-]+\.py)\b"
    r"|([\w./\\-]+\.py)#L(\d+)",
    re.IGNORECASE,
)
_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.(?:py|pyx|pyi|cfg|toml|ini|rst|txt|js|ts|java|go))\b")
_DOTTED = re.compile(r"\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\b")
_IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
_CALLED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\(")
_CAMEL = re.compile(r"\b[A-Z][a-z0-9]+[A-Z]\w*\b|\b[a-z]+[A-Z]\w*\b|\b[A-Z]{2,}[a-z]\w*\b")
_SNAKE = re.compile(r"\b_*[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+_*\b")
_TEST_ID = re.compile(r"\b((?:[\w/.-]+\.py)?::)?(test_\w+|Test\w+)\b")
_PROMPT = re.compile(r"^\s*(>>>|\.\.\.|In \[\d+\]:|\$) ", re.MULTILINE)
# One line of an environment listing (`pip list`, `pip freeze`, `conda list`, `show_versions()`):
# a package-like name, then a version, `None` or a number, then anything (a location, a build).
_LISTING_LINE = re.compile(
    r"^\s*[A-Za-z][\w.\-\[\]]*\s*(?:==|:|=|\s)\s*(?:v?\d+(?:\.\w+)+\S*|None|\d+)(?:[\s,;(].*)?$"
)
_DOTTED_VERSION = re.compile(r"\d+\.\d+")
_SEPARATOR = re.compile(r"^[\s\-=_*|+#]*$")
LISTING_MIN_LINES = 4
"""Consecutive name/version lines that make an environment listing (a version banner of two or
three lines stays: `pylint 2.14` says which code the reporter ran)."""


@dataclass(frozen=True)
class Frame:
    """One stack-trace frame as written in the issue (`File "x.py", line N, in f`)."""

    path: str
    line: int
    function: str | None
    index: int
    """Position in the trace; higher is deeper (closer to where the exception was raised)."""


@dataclass
class IssueSignals:
    paths: list[str] = field(default_factory=list)
    """File paths as written (normalized to forward slashes, no leading `./` or `a/`)."""
    dotted: list[str] = field(default_factory=list)
    """Dotted names (`pkg.module.Class.attr`) that may name modules or qualified symbols."""
    frames: list[Frame] = field(default_factory=list)
    identifiers: dict[str, float] = field(default_factory=dict)
    """Identifier -> strongest strength it was named with."""
    tests: list[str] = field(default_factory=list)
    """Test names (`test_x`, `TestX`) the issue mentions."""


def without_listings(text: str) -> str:
    """`text` without environment listings. A pasted `pip list` names hundreds of packages the
    repository never defines, and their words crowd the issue's own out of every lexical query."""
    lines = text.splitlines()
    drop: set[int] = set()
    run: list[int] = []

    def close() -> None:
        versions = sum(1 for i in run if _DOTTED_VERSION.search(lines[i]))
        if len(run) >= LISTING_MIN_LINES and versions >= LISTING_MIN_LINES // 2:
            drop.update(range(run[0], run[-1] + 1))
        run.clear()

    for i, line in enumerate(lines):
        if _LISTING_LINE.match(line):
            run.append(i)
        elif not (run and _SEPARATOR.match(line)):  # blank lines and rules do not end a listing
            close()
    close()
    if not drop:
        return text
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


# Tools' own report lines about the reporter's code: linters (`x.py:12:0: C0103: Name "foo" ...`,
# `x.py:3:1: F401 'os' imported but unused`), type checkers (`x.py:3: error: ...`), and pytest's
# session chrome (header, `collected 3 items`, `test_x.py .F  [100%]` progress, `=== FAILURES ===`
# rules and `=== 1 failed in 0.1s ===`). Pylint's `************* Module x` headers stay: one line a
# module, and the words of the reporter that prints them (a tuning row about that reporter, the
# `--msg-template` one, drops 3 -> 6 without them).
_DIAGNOSTIC_LINES = re.compile(
    r"""^\s*(?:
        [^\s:]+:\d+:\d+:\s*[A-Z]{1,3}\d{2,4}\b.*                # linter: path:line:col: CODE message
      | [^\s:]+\.pyi?:\d+:\s*(?:error|note):.*                    # type checker: path:line: error: message
      | =+\s.*\s=+                                                # pytest rules (session start, FAILURES, summary)
      | platform\s\S+\s--\sPython\s.*                              # pytest header
      | (?:rootdir|cachedir|plugins|configfile|inifile|testpaths):.*  # pytest header
      | (?:collecting\s\.\.\.\s*)?collected\s\d+\s+items?.*         # pytest collection count
      | [^\s:]+\.py(?:::\S+)?\s+(?:[.FEsxX]+|PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\s*\[\s*\d+%\]  # progress
    )\s*$""",
    re.VERBOSE,
)


def without_diagnostics(text: str) -> str:
    """`text` without tools' report lines (see `_DIAGNOSTIC_LINES`), for the full-text and history
    queries: a pylint run pasted into an issue repeats the reporter's file, class and attribute
    names and the message of every checker it fired, and those words outweigh the issue's own.
    Frames and literals still read the whole text (pytest's `x.py:12: AssertionError` is a frame)."""
    lines = text.splitlines()
    kept = [line for line in lines if not _DIAGNOSTIC_LINES.match(line)]
    return text if len(kept) == len(lines) else "\n".join(kept)


# A Python frame with the source line under it (`File "x.py", line 3, in f` / `    y = g(x)`).
_FRAME_WITH_CODE = re.compile(r'File "([^"]+)", line \d+, in ([\w<>.]+)[ \t]*\r?\n[ \t]*([^\n]*)')
_CALL_NAME = re.compile(r"([A-Za-z_]\w*)\s*\(")
_FRAME_GAP = re.compile(r"[\s^~]*")


@dataclass(frozen=True)
class HandedCallable:
    """A callable a library called back under another name (argparse's `type_func(arg)` entering
    `re.compile`): someone handed it over, as `type=re.compile` or `{"regexp": re.compile}`."""

    path: str
    """The callee frame's file (outside the repository when the hand-over is the story)."""
    name: str
    """`module.function` as code that hands it over spells it (`re.compile`)."""


def handed_callables(text: str) -> list[HandedCallable]:
    """Callee frames entered from a line that calls something else by name: the callee was passed
    in as a value. Only adjacent frames of one traceback count; dunders and `<module>` never."""
    out: dict[HandedCallable, None] = {}
    frames = list(_FRAME_WITH_CODE.finditer(text))
    for caller, callee in zip(frames, frames[1:], strict=False):
        if not _FRAME_GAP.fullmatch(text, caller.end(), callee.start()):
            continue
        called = set(_CALL_NAME.findall(caller.group(3)))
        func = callee.group(2).rsplit(".", 1)[-1]
        if not called or func in called or func.startswith(("<", "__")):
            continue
        path = _norm_path(callee.group(1))
        parts = path.rsplit("/", 2)
        module = parts[-1][: -len(".py")] if parts[-1].endswith(".py") else ""
        if module == "__init__":
            module = parts[-2] if len(parts) > 1 else ""
        if module.isidentifier():
            out.setdefault(HandedCallable(path, f"{module}.{func}"), None)
    return list(out)


# A Python installation's standard library (`/usr/lib/python3.8/`, `C:/Python38/Lib/`,
# `.../versions/2.7.6/lib/python2.7/`, Windows conda's `anaconda3/Lib/`), not its `site-packages`.
_STDLIB_DIR = re.compile(
    r"(?:^|/)(?:lib/python\d[\d.]*|python\d+/lib|(?:ana|mini)conda\d*/(?:envs/[^/]+/)?lib)/(?!.*(?:site|dist)-packages/)",
    re.IGNORECASE,
)


def is_stdlib_path(path: str) -> bool:
    """A frame's path inside the standard library: never the repository's file, even when the
    repository has one of that name (pytest's own `pathlib.py`)."""
    return bool(_STDLIB_DIR.search(path))


_PACKAGES_DIR = re.compile(r"(?:^|/)(?:site|dist)-packages/")


def is_library_path(path: str) -> bool:
    """A frame's path in the standard library or an installed package (not the reporter's script)."""
    return is_stdlib_path(path) or bool(_PACKAGES_DIR.search(path))


_ECHOED_DEF = re.compile(r"^[ \t>]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\(", re.MULTILINE)


def trace_exit(text: str, frames: list[Frame] | None = None) -> Frame | None:
    """The issue's deepest traceback frame with the function it is in: the frame's own `in f`,
    or, for pytest's last frame (`x.py:1266: FileNotFoundError`), the `def f(` pytest echoes
    above it. None without a frame or a function name. `frames`: `extract(text).frames`, when
    the caller has them."""
    frames = extract(text).frames if frames is None else frames
    if not frames:
        return None
    last = frames[-1]
    if last.function:
        return last
    # pytest prints the failing function's source, `def` first, above its `path:line: Error`.
    ends = [m for m in _PYTEST_FRAME.finditer(text) if _norm_path(m.group(1)) == last.path and int(m.group(2)) == last.line]
    if not ends:
        return None
    end = ends[-1]
    before = itertools.chain(_PY_FRAME.finditer(text, 0, end.start()), _PYTEST_FRAME.finditer(text, 0, end.start()))
    start = max((m.end() for m in before), default=0)
    defs = list(_ECHOED_DEF.finditer(text, start, end.start()))
    return Frame(last.path, last.line, defs[-1].group(1), last.index) if defs else None


def _norm_path(p: str) -> str:
    p = p.replace("\\", "/")
    for prefix in ("./", "a/", "b/"):
        if p.startswith(prefix):
            p = p[len(prefix) :]
    return p


def code_regions(text: str) -> tuple[list[str], list[str], str]:
    """(fenced/indented/prompt code blocks, inline backtick spans, prose with code removed)."""
    blocks = [m.group(1) for m in _FENCE.finditer(text)]
    prose = _FENCE.sub("\n", text)
    inline = _INLINE.findall(prose)
    prose = _INLINE.sub(" ", prose)
    kept: list[str] = []
    block: list[str] = []
    for line in prose.splitlines():
        if line.startswith(("    ", "\t")) or _PROMPT.match(line):
            block.append(line)
            continue
        if block:
            blocks.append("\n".join(block))
            block = []
        kept.append(line)
    if block:
        blocks.append("\n".join(block))
    return blocks, inline, "\n".join(kept)


def extract(text: str) -> IssueSignals:
    sig = IssueSignals()
    ids = sig.identifiers

    def name(ident: str, strength: float) -> None:
        ident = ident.strip(".")
        if len(ident) < 3 or ident.isdigit() or ident in BUILTIN_NAMES:
            return
        if ident.islower() and "_" not in ident.strip("_"):
            # `list`, `name`, `run`: plain words say little about where code lives unless the
            # reporter singled them out.
            strength *= PLAIN_WORD_FACTOR if strength < IN_BACKTICKS else 0.7
        if strength > ids.get(ident, 0.0):
            ids[ident] = strength

    # Stack-trace frames, Python and pytest styles.
    traced = [*_PY_FRAME.finditer(text), *_PYTEST_FRAME.finditer(text)]
    frames = [(m.start(), m.group(1), int(m.group(2)), m.group(3)) for m in traced]
    starts = {f[0] for f in frames}  # a plain path's warning line is a pytest-style frame already
    frames += [(m.start(), m.group(1), int(m.group(2)), None) for m in _WARNING_FRAME.finditer(text) if m.start() not in starts]
    frames += [(m.start(), m.group(1), int(m.group(2)), m.group(3)) for m in _IPY_FRAME.finditer(text)]
    old = list(_IPY_OLD_FRAME.finditer(text))
    for j, m in enumerate(old):
        end = old[j + 1].start() if j + 1 < len(old) else len(text)
        marker = _IPY_MARKER.search(text, m.end(), end)
        frames.append((m.start(), m.group(1) or m.group(2), int(marker.group(1)) if marker else 0, m.group(3)))
    for m in _LINE_POINTER.finditer(text):
        if any(t.start() < m.end() and m.start() < t.end() for t in traced):
            continue
        path = m.group(1) or m.group(4) or re.sub(r"^.*?/blob/[^/]+/", "", m.group(5))
        line = m.group(2) or m.group(3) or m.group(6)
        frames.append((m.start(), path, int(line), None))
    frames.sort()
    for i, (_pos, path, line, func) in enumerate(frames):
        func = func if func and not func.startswith("<") else None
        # The frame's function is evidence through the frame itself, not again as a name.
        sig.frames.append(Frame(path=_norm_path(path), line=line, function=func, index=i))

    blocks, inline, prose = code_regions(text)
    seen_paths: dict[str, None] = {}
    for m in _PATH.finditer(text):
        p = _norm_path(m.group(1))
        if not p.startswith("http"):
            seen_paths.setdefault(p, None)
    sig.paths = list(seen_paths)

    seen_dotted: dict[str, None] = {}
    for chunk in (*blocks, *inline, prose):
        for m in _DOTTED.finditer(chunk):
            d = m.group(1)
            if not re.search(r"\.(py|com|org|io|html|txt|rst)$", d) and not d[0].isdigit():
                seen_dotted.setdefault(d, None)
    sig.dotted = list(seen_dotted)

    for span in inline:
        for ident in _IDENT.findall(span):
            name(ident, IN_BACKTICKS)
    for block in blocks:
        for ident in _IDENT.findall(block):
            name(ident, IN_CODE)
    for ident in _CALLED.findall(prose):
        name(ident, CALLED_IN_PROSE)
    for rx in (_CAMEL, _SNAKE):
        for ident in rx.findall(prose):
            name(ident, SHAPED_IN_PROSE)

    tests: dict[str, None] = {}
    for m in _TEST_ID.finditer(text):
        tests.setdefault(m.group(2), None)
    sig.tests = list(tests)
    return sig
