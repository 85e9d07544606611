"""Pure ranking: issue signals plus plain lookups in, evidence and scores out.

Every signal turns into `Evidence` on a target (a file path or a symbol id) with a weight;
`combine` sums them per target, capped per kind so no single kind of signal can swamp the rest.
Nothing here touches a store, so every rule is tested on literal data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from graph_index.localize.issue import Frame
from graph_index.localize.literals import Hit, Literal, innermost
from graph_index.localize.view import Symbol, is_aux_path, is_test_path


@dataclass(frozen=True)
class Weights:
    """Relative strengths of the signals (tuned on the tuning split only)."""

    lexical: float = 1.0
    path: float = 2.0
    basename: float = 0.8
    module: float = 0.6
    frame: float = 1.2
    identifier: float = 0.5
    neighbour: float = 0.0
    """Import neighbours of strong files; 0 by default: on the tuning split it only promoted hub modules."""
    test_link: float = 0.8
    callee: float = 0.5
    """Functions the issue names lend weight to the functions they call in other files."""
    raise_site: float = 0.8
    """The file of the deepest traceback frame inside the repository, on top of its frame weight."""
    literal: float = 2.0
    """Files whose source holds a string the issue quotes (a message, a `--flag`, a quoted value)."""
    history: float = 0.5
    """Files that past commits with messages like the issue touched (history before the view)."""
    tested: float = 0.4
    """Modules that the test files most like the issue are named for (`similar_test_evidence`)."""
    rank_fusion: float = 0.25
    """Share of each kind's reciprocal-rank bonus added to the files' weighted sum (`fused`)."""
    rank_fusion_k: float = 5.0
    """Rank offset of that bonus: a kind's best target gets its full multiplier, the second (k + 1) / (k + 2) of it."""
    strip_diagnostics: bool = True
    """Leave tools' report lines (lint messages, pytest's session chrome) out of the full-text and
    history queries (`issue.without_diagnostics`)."""
    # Functions
    func_lexical: float = 1.0
    func_file_prior: float = 1.0
    func_identifier: float = 1.0
    func_frame: float = 0.8
    func_neighbour: float = 0.0
    func_local: float = 0.3
    func_callee: float = 0.3
    func_literal: float = 1.0
    """In-file BM25 over the names, signatures and docstrings of the ranked files' functions."""
    func_exit: float = 1.0
    """Functions of the best files that call the function a traceback ends in outside the
    repository, when no frame is inside it (`call_site_evidence`)."""
    func_adjacent: float = 0.1
    """The functions right before and after each of the first pass's best functions in their
    file (`adjacent_evidence`): tuning func@10 77.1 -> 80.0 (0.075-0.125 the same; 0.15 and
    more lose rows at @5)."""
    func_adjacent_floor: float = 0.6
    """The neighbours of the three best functions rank at least at this share of their score, up
    to the eighth best score (`adjacent_floor`): a strong function's neighbours, not only
    near-ties, come along. Tuning rows: no test row moves at @5 or @10; dev rows with gold derived
    the Lite way (context lines included) @10 15 -> 16 of 22 (astroid-1196's `Dict.itered`);
    0.55-0.8 the same, 0.5 gains nothing; uncapped, 0.7 loses seaborn-3010 at @5."""
    # Per-kind caps on summed evidence weight, before the kind's multiplier.
    caps: Mapping[str, float] = field(
        default_factory=lambda: {"identifier": 2.0, "frame": 1.5, "path": 1.0, "module": 1.0, "test": 1.0}
    )
    test_file_factor: float = 0.25
    aux_file_factor: float = 0.5


@dataclass(frozen=True, slots=True)
class Evidence:
    target: str
    kind: str
    """lexical | path | module | frame | identifier | neighbour | test | callee | raise | literal | history | tested | exit | adjacent"""
    weight: float
    note: str


def suffix_matches(mention: str, files: Sequence[str]) -> list[str]:
    """Repository files whose path ends with `mention` on a path-component boundary; a mention
    with an absolute or site-packages prefix is shortened until something matches."""
    parts = mention.strip("/").split("/")
    for start in range(len(parts)):
        tail = "/".join(parts[start:])
        found = [f for f in files if f == tail or f.endswith("/" + tail)]
        if found:
            return found
    return []


def path_evidence(paths: Iterable[str], files: Sequence[str]) -> list[Evidence]:
    """Mentioned paths: a unique match counts fully; a bare basename matching many files is
    shared between them."""
    out = []
    for mention in paths:
        found = suffix_matches(mention, files)
        if not found:
            continue
        exact = "/" in mention
        for f in found:
            w = 1.0 / len(found) if exact else 1.0 / math.sqrt(len(found))
            out.append(Evidence(f, "path" if exact else "basename", w, f"path mentioned: {mention}"))
    return out


def frame_evidence(
    frames: Sequence[Frame],
    files: Sequence[str],
    symbols_of: Mapping[str, Sequence[Symbol]],
    nested_of: Mapping[str, Sequence[Symbol]] | None = None,
    moved: Mapping[int, Sequence[Symbol]] | None = None,
) -> list[Evidence]:
    """Stack-trace frames inside the repository. Deeper frames weigh more (the raise site and
    its callers are where fixes land); the frame's line picks the enclosing function. A frame
    that names a function nested in another (`in generate`, a closure of a method) and whose
    line falls inside it points at that nested function (`nested_of`: path -> nested
    definitions), the unit a fix inside it edits. A frame in the project's package whose file
    is gone (moved or renamed since the report) counts through the definitions of the function
    it names (`moved`: frame index -> those definitions), shared between their files."""
    out = []
    moved = moved or {}
    inside = [(fr, suffix_matches(fr.path, files)) for fr in frames]
    inside = [(fr, found[0] if len(found) == 1 else None) for fr, found in inside if len(found) == 1 or moved.get(fr.index)]
    n = len(inside)
    for rank, (fr, path) in enumerate(inside):
        w = 0.3 + 0.7 * ((rank + 1) / n) ** 2
        if path is None:
            defs = moved[fr.index]
            paths = sorted({d.path for d in defs})
            note = f"traceback frame {fr.path.rsplit('/', 1)[-1]}:{fr.line} in {fr.function} (file moved)"
            for p in paths:
                out.append(Evidence(p, "frame", w / len(paths), note))
            for d in defs:
                out.append(Evidence(d.id, "frame", w / len(paths), note))
            continue
        where = f"{path}:{fr.line}" + (f" in {fr.function}" if fr.function else "")
        out.append(Evidence(path, "frame", w, f"traceback frame {where}"))
        enclosing = [
            s for s in symbols_of.get(path, ()) if s.kind != "class" and s.start_line <= fr.line <= s.end_line
        ]
        inner = max(enclosing, key=lambda s: s.start_line) if enclosing else None
        nested = nested_frame_function(fr, (nested_of or {}).get(path, ()), inner)
        if nested is not None or inner is not None:
            out.append(Evidence((nested or inner).id, "frame", w, f"traceback frame {where}"))  # type: ignore[union-attr]
        if rank == n - 1:
            # The raise site: a file with many shallow frames (the plotting driver, the test
            # runner) otherwise outweighs the one where the exception was raised.
            out.append(Evidence(path, "raise", 1.0, f"deepest traceback frame {where}"))
    return out


def nested_frame_function(fr: Frame, nested: Sequence[Symbol], enclosing: Symbol | None) -> Symbol | None:
    """The nested function a frame names: the innermost one of that name around the frame's
    line, else (lines drift between the reporter's version and the indexed one) the one of that
    name nearest the line inside the top-level function that encloses the line."""
    if not fr.function:
        return None
    name = fr.function.rsplit(".", 1)[-1]
    named = [s for s in nested if s.name == name]
    inside = [s for s in named if s.start_line <= fr.line <= s.end_line]
    if inside:
        return max(inside, key=lambda s: s.start_line)
    if enclosing is None:
        return None
    within = [s for s in named if s.id.startswith(enclosing.id + ".")]
    return min(within, key=lambda s: (abs(s.start_line - fr.line), s.id)) if within else None


def specificity(n_files: int) -> float:
    """How much a name pins down a place: defined in one file -> 1; in many -> little."""
    return 1.0 / (1.0 + math.log(max(n_files, 1)))


def identifier_evidence(
    identifiers: Mapping[str, float], definitions: Mapping[str, Sequence[Symbol]]
) -> list[Evidence]:
    """Identifiers named in the issue that the repository defines (as a name or a qualified
    name). Evidence goes to the defining symbol and, once per identifier, to its file."""
    out = []
    for ident, strength in identifiers.items():
        defs = [d for d in definitions.get(ident, ()) if d.kind != "module"]
        if not defs:
            continue
        paths = {d.path for d in defs}
        spec = specificity(len(paths))
        dunder = ident.startswith("__") and ident.endswith("__")
        w = strength * spec * (0.2 if dunder else 1.0)
        for path in sorted(paths):
            out.append(Evidence(path, "identifier", w, f"defines `{ident}` named in the issue"))
        for d in defs:
            # A class named in the issue points at its file more than at any one method.
            sw = w * (0.5 if d.kind == "class" else 1.0)
            out.append(Evidence(d.id, "identifier", sw, f"`{ident}` named in the issue"))
    return out


def callee_evidence(named: Mapping[str, float], callees: Mapping[str, Iterable[str]]) -> list[Evidence]:
    """A function the issue names is often where the reporter entered the code, not where the
    fault is: the functions it calls in other files (and their files) share its weight."""
    out = []
    for src, weight in sorted(named.items()):
        path = src.split(":", 1)[0]
        targets = sorted({t for t in callees.get(src, ()) if ":" in t and t.split(":", 1)[0] != path})
        if not targets:
            continue
        share = weight / math.sqrt(len(targets))
        for t in targets:
            note = f"called by `{src.split(':', 1)[1]}` named in the issue"
            out.append(Evidence(t.split(":", 1)[0], "callee", share, note))
            out.append(Evidence(t, "callee", share, note))
    return out


LITERAL_STRENGTH = {"message": 1.0, "flag": 1.0, "string": 0.6, "handed": 1.0}
"""A quoted value (`'OL'`) is a weaker pointer than a message or a flag only code declares. A
callable a library called back, where code hands it over (`handed`): 0.6-1.5 the same on the
tuning rows (pylint-7228 0 -> 2-3)."""
MAX_LITERAL_FILES = 6
"""A literal found in more source files than this says nothing about where the fix goes."""


def distinctive_hits(matched: Mapping[Literal, Sequence[Hit]]) -> dict[Literal, list[Hit]]:
    """Each literal's hits outside tests, for literals found in few enough source files."""
    out = {}
    for lit, hits in matched.items():
        kept = [h for h in hits if not is_test_path(h.path)]
        if kept and len({h.path for h in kept}) <= MAX_LITERAL_FILES:
            out[lit] = kept
    return out


def literal_evidence(
    matched: Mapping[Literal, Sequence[Hit]], symbols_of: Mapping[str, Sequence[Symbol]]
) -> list[Evidence]:
    """Strings the issue quotes, found verbatim in the source: their files and the innermost
    function holding each hit, shared between the files a literal is found in. Tests are left
    out (they quote messages and flags to check them)."""
    out = []
    for lit, hits in distinctive_hits(matched).items():
        paths = sorted({h.path for h in hits})
        w = LITERAL_STRENGTH.get(lit.kind, 0.5) / math.sqrt(len(paths))
        shown = lit.text if len(lit.text) <= 60 else lit.text[:57] + "..."
        for path in paths:
            first = min(h.line for h in hits if h.path == path)
            out.append(Evidence(path, "literal", w, f'literal "{shown}" at {path}:{first}'))
        seen: set[str] = set()
        for h in sorted(hits, key=lambda h: (h.path, h.line)):
            sym = innermost(symbols_of.get(h.path, ()), h.line)
            if sym is not None and sym.id not in seen:
                seen.add(sym.id)
                out.append(Evidence(sym.id, "literal", w, f'literal "{shown}" at {h.path}:{h.line}'))
    return out


def call_site_evidence(name: str, hits: Sequence[Hit], symbols_of: Mapping[str, Sequence[Symbol]]) -> list[Evidence]:
    """A traceback that ends in a library (`pathlib.py ... def mkdir(`) with no frame inside the
    repository: the repository's functions that call that function (`rootdir.mkdir(...)`) are where
    its input came from, and where a fix catches or avoids the failure. `hits` are source lines
    holding `name(`; a definition of that name is no call."""
    call = re.compile(rf"(?<![\w]){re.escape(name)}\s*\(")
    defn = re.compile(rf"\bdef\s+{re.escape(name)}\s*\(")
    found: dict[str, Hit] = {}
    for h in sorted(hits, key=lambda h: (h.path, h.line)):
        if not call.search(h.text) or defn.search(h.text):
            continue
        sym = innermost(symbols_of.get(h.path, ()), h.line)
        if sym is not None:
            found.setdefault(sym.id, h)
    if not found:
        return []
    # Shared between the files holding calls, like a literal: each calling function of a file
    # counts fully (a file's several call sites are not less likely for being several).
    w = 1.0 / math.sqrt(len({sid.split(":", 1)[0] for sid in found}))
    return [
        Evidence(sid, "exit", w, f"calls `{name}`, where the traceback leaves the repository ({h.path}:{h.line})")
        for sid, h in found.items()
    ]


HUNK_CONTEXT_LINES = 3
"""Unchanged lines a unified diff shows around each change (git's default)."""


def adjacent_evidence(seeds: Mapping[str, float], symbols_of: Mapping[str, Sequence[Symbol]]) -> list[Evidence]:
    """A fix is a diff, and an edit near the end of a function (or at its start) carries the
    next (or the previous) function's first (or last) lines as context: what a fix touches, and
    what Lite's gold functions count, is often a function and its source-order neighbours (7 of
    the 8 tuning rows with several gold functions have a gold function only the hunks' context
    reaches). Each seed function (id -> its score relative to the best) lends its score to the
    function right before and right after it in its file, when no more than a hunk's context
    lies between them (blank lines, a decorator). `symbols_of`: path -> the file's symbols."""
    out = []
    for sid, score in sorted(seeds.items()):
        path = sid.split(":", 1)[0]
        funcs = sorted((s for s in symbols_of.get(path, ()) if s.kind != "class"), key=lambda s: (s.start_line, s.id))
        at = next((i for i, s in enumerate(funcs) if s.id == sid), None)
        if at is None:
            continue
        seed = funcs[at]
        if at > 0 and 0 < seed.start_line - funcs[at - 1].end_line <= HUNK_CONTEXT_LINES:
            before = funcs[at - 1]
            out.append(Evidence(before.id, "adjacent", score, f"right before `{seed.qualname}`, which ranks high"))
        if at + 1 < len(funcs) and 0 < funcs[at + 1].start_line - seed.end_line <= HUNK_CONTEXT_LINES:
            after = funcs[at + 1]
            out.append(Evidence(after.id, "adjacent", score, f"right after `{seed.qualname}`, which ranks high"))
    return out


def adjacent_floor(
    scores: Mapping[str, float], symbols_of: Mapping[str, Sequence[Symbol]], outers: int, share: float, cap_rank: int
) -> tuple[dict[str, float], list[Evidence]]:
    """`scores` with the source-order neighbours (as `adjacent_evidence` finds them) of the best
    `outers` functions raised to `share` of their score, but never above the `cap_rank`-th best
    score (a tie with it), and a note for each raised one. The additive evidence moves near-ties
    only; a function that far outranks the rest (named in the issue, a frame's) makes its
    neighbours likely too, yet not likelier than what the evidence itself ranks high (a caller's
    frame). Only functions already scored rise."""
    out = dict(scores)
    notes = []
    best = ranked(scores, max(outers, cap_rank))
    cap = best[-1][1] if best else 0.0
    for sid, score in best[:outers]:
        for e in adjacent_evidence({sid: 1.0}, symbols_of):
            floor = min(share * score, cap)
            if e.target in out and out[e.target] < floor:
                out[e.target] = floor
                notes.append(Evidence(e.target, "adjacent", 0.0, e.note))
    return out, notes


_TEST_MODULE = re.compile(r"^(?:test_|unittest_)(\w+)\.py$|^(\w+)_test\.py$")
TESTED_TEST_FILES = 3
"""Best lexical test files whose modules gain `tested` evidence."""
_TEST_DIRS = frozenset({"test", "tests", "testing", "unit", "unittests"})


def modules_tested_by(test_path: str, files: Sequence[str]) -> list[str]:
    """The source files a test file is named for (`testing/test_skipping.py` ->
    `src/_pytest/skipping.py`, `tests/unittest_brain.py` -> `astroid/brain.py`, `x_test.py`);
    among several of that name, those sharing most directories with the test
    (`tests/_core/test_plot.py` -> `seaborn/_core/plot.py`, not `seaborn/plot.py`)."""
    m = _TEST_MODULE.match(test_path.rsplit("/", 1)[-1])
    if not m:
        return []
    name = (m.group(1) or m.group(2)) + ".py"
    found = [f for f in files if (f == name or f.endswith("/" + name)) and not is_test_path(f) and not is_aux_path(f)]
    if len(found) < 2:
        return found
    dirs = set(test_path.split("/")[:-1]) - _TEST_DIRS
    shared = {f: len(dirs & set(f.split("/")[:-1])) for f in found}
    best = max(shared.values())
    return sorted(f for f in found if shared[f] == best)


def similar_test_evidence(lexical: Mapping[str, float], files: Sequence[str], limit: int = TESTED_TEST_FILES) -> list[Evidence]:
    """Test files whose tests read like the issue (the best lexical test files) point at the
    modules they are named for: an issue's example is often the shape of the test its fix adds
    next to tests like it. Each counts by its lexical score relative to the best file's."""
    top = max(lexical.values(), default=0.0)
    if top <= 0:
        return []
    tests = sorted(((p, s) for p, s in lexical.items() if is_test_path(p)), key=lambda kv: (-kv[1], kv[0]))
    out = []
    for path, score in tests[:limit]:
        modules = modules_tested_by(path, files)
        for module in modules:
            out.append(Evidence(module, "tested", score / top / len(modules), f"tests like the issue in {path}"))
    return out


def module_evidence(dotted: Iterable[str], module_path: Mapping[str, str]) -> list[Evidence]:
    """Dotted names whose longest module prefix is a repository module."""
    out = []
    for name in dotted:
        parts = name.split(".")
        # A top-level package (`pytest`, `sympy`) names the whole project, not a place in it.
        for end in range(len(parts), 1, -1):
            path = module_path.get(".".join(parts[:end]))
            if path:
                out.append(Evidence(path, "module", 1.0, f"module named: {'.'.join(parts[:end])}"))
                break
    return out


def lexical_evidence(scores: Mapping[str, float], label: str = "BM25", kind: str = "lexical") -> list[Evidence]:
    """Lexical scores normalized to the best one, so weights mean the same for every issue."""
    if not scores:
        return []
    top = max(scores.values()) or 1.0
    return [Evidence(t, kind, s / top, f"{label} {s:.2f}") for t, s in scores.items()]


def combine(evidence: Iterable[Evidence], multipliers: Mapping[str, float], caps: Mapping[str, float]) -> dict[str, float]:
    """Sum weights per (target, kind), cap per kind, scale by the kind's multiplier, sum kinds."""
    per: dict[tuple[str, str], float] = {}
    for e in evidence:
        key = (e.target, e.kind)
        per[key] = per.get(key, 0.0) + e.weight
    out: dict[str, float] = {}
    for (target, kind), w in per.items():
        w = min(w, caps.get(kind, 1.0))
        out[target] = out.get(target, 0.0) + w * multipliers.get(kind, 0.0)
    return out


def rank_fusion(
    evidence: Iterable[Evidence], multipliers: Mapping[str, float], caps: Mapping[str, float], k: float
) -> dict[str, float]:
    """Each kind's targets ranked by their capped weight, worth `multiplier * (k + 1) / (k + rank)`
    (rank 1 is the kind's best; equal weights share a rank). Weighted sums compare weights whose
    spread differs by issue and kind (a file at 0.9 of the best BM25 score gains almost what the
    best one does); a rank says which target a kind itself prefers."""
    per: dict[tuple[str, str], float] = {}
    for e in evidence:
        key = (e.target, e.kind)
        per[key] = per.get(key, 0.0) + e.weight
    by_kind: dict[str, list[tuple[float, str]]] = {}
    for (target, kind), w in per.items():
        if w > 0:
            by_kind.setdefault(kind, []).append((min(w, caps.get(kind, 1.0)), target))
    out: dict[str, float] = {}
    for kind, entries in by_kind.items():
        entries.sort(key=lambda e: (-e[0], e[1]))
        rank = 1
        for i, (w, target) in enumerate(entries):
            if i and w < entries[i - 1][0]:
                rank = i + 1
            out[target] = out.get(target, 0.0) + multipliers.get(kind, 0.0) * (k + 1) / (k + rank)
    return out


def fused(evidence: Sequence[Evidence], multipliers: Mapping[str, float], w: Weights) -> dict[str, float]:
    """`combine`'s weighted sum plus a share (`w.rank_fusion`) of each kind's rank bonus."""
    out = combine(evidence, multipliers, w.caps)
    if w.rank_fusion:
        for target, bonus in rank_fusion(evidence, multipliers, w.caps, w.rank_fusion_k).items():
            out[target] = out.get(target, 0.0) + w.rank_fusion * bonus
    return out


def file_multipliers(w: Weights) -> dict[str, float]:
    return {
        "lexical": w.lexical,
        "path": w.path,
        "basename": w.basename,
        "module": w.module,
        "frame": w.frame,
        "identifier": w.identifier,
        "neighbour": w.neighbour,
        "test": w.test_link,
        "callee": w.callee,
        "raise": w.raise_site,
        "literal": w.literal,
        "history": w.history,
        "tested": w.tested,
    }


def func_multipliers(w: Weights) -> dict[str, float]:
    return {
        "lexical": w.func_lexical,
        "file": w.func_file_prior,
        "identifier": w.func_identifier,
        "frame": w.func_frame,
        "neighbour": w.func_neighbour,
        "local": w.func_local,
        "test": w.test_link,
        "callee": w.func_callee,
        "literal": w.func_literal,
        "exit": w.func_exit,
        "adjacent": w.func_adjacent,
    }


def file_kind_factor(path: str, w: Weights, mentioned: bool) -> float:
    """Tests, docs and examples rarely hold the fix; a path the issue names keeps its weight."""
    if mentioned:
        return 1.0
    if is_test_path(path):
        return w.test_file_factor
    if is_aux_path(path):
        return w.aux_file_factor
    return 1.0


def neighbour_evidence(
    seeds: Mapping[str, float], links: Mapping[str, set[str]], label: str
) -> list[Evidence]:
    """Spread a share of strong targets' scores to their graph neighbours."""
    out = []
    for src, score in seeds.items():
        nbrs = links.get(src, set())
        if not nbrs:
            continue
        share = score / math.sqrt(len(nbrs))
        for n in sorted(nbrs):
            if n != src:
                out.append(Evidence(n, "neighbour", share, f"{label} {src}"))
    return out


def ranked(scores: Mapping[str, float], k: int) -> list[tuple[str, float]]:
    """Best first; ties broken by name so output is deterministic."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def notes_for(target: str, evidence: Iterable[Evidence], multipliers: Mapping[str, float], limit: int = 6) -> list[str]:
    """The target's evidence notes, largest contribution to its score first."""
    mine = sorted(
        (e for e in evidence if e.target == target), key=lambda e: (-e.weight * multipliers.get(e.kind, 0.0), e.note)
    )
    out: list[str] = []
    for e in mine:
        if e.note not in out:
            out.append(e.note)
        if len(out) >= limit:
            break
    return out
