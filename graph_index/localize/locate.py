"""Localization: ask the repository the few questions the issue raises, then rank (pure)."""

from __future__ import annotations

from collections import Counter

import structlog

from graph_index.localize.access import RepoAccess
from graph_index.localize.bm25 import BM25
from graph_index.localize.history import evidence_from, in_background
from graph_index.localize.issue import (
    IN_BACKTICKS,
    Frame,
    extract,
    handed_callables,
    is_library_path,
    is_stdlib_path,
    trace_exit,
    without_diagnostics,
    without_listings,
)
from graph_index.localize.literals import handed_literal, issue_literals, match_hits
from graph_index.localize.models import FileHit, FunctionHit, Localization
from graph_index.localize.scoring import (
    Evidence,
    Weights,
    adjacent_evidence,
    adjacent_floor,
    call_site_evidence,
    callee_evidence,
    combine,
    distinctive_hits,
    file_kind_factor,
    file_multipliers,
    frame_evidence,
    func_multipliers,
    fused,
    identifier_evidence,
    lexical_evidence,
    literal_evidence,
    module_evidence,
    neighbour_evidence,
    notes_for,
    path_evidence,
    ranked,
    similar_test_evidence,
    suffix_matches,
)
from graph_index.localize.text import surface_forms, tokenize
from graph_index.localize.units import NESTED_OUTERS, with_nested
from graph_index.localize.view import Symbol, is_test_path

log = structlog.get_logger(__name__)

MAX_IDENTIFIERS = 60
"""Identifiers looked up per issue, strongest first (bounds latency on very long issues)."""
MIN_LOOKUP_STRENGTH = 0.3
LEXICAL_FILES = 300
LEXICAL_FUNCTIONS = 400
SEED_FILES = 5
SEED_FUNCTIONS = 5
CANDIDATE_FILES_FOR_FUNCTIONS = 4
"""Best-ranked files whose every function competes (file prior, in-file BM25). Functions of the
other ranked files compete only when the full-text search returned them: with ten, a name like
the issue's words in the tenth file counted as much as one in the first, and their sheer number
pushed the best files' functions out (tuning rows func@5/@10 62.9/68.6 -> 65.7/71.4; 3 the same,
5 71.4 at @10 only, 6 and more no change)."""
CALLEE_MIN_WEIGHT = 0.3
"""Identifier evidence a named function needs before its callees count (bounds lookups)."""
ADJACENT_OUTERS = 3
"""Best functions whose source-order neighbours rank at least at a share of their score (5 the
same on the tuning rows)."""
ADJACENT_FLOOR_CAP_RANK = 8
"""Those neighbours rise no higher than the eighth best function (6 the same on the tuning rows;
uncapped, a raise site's neighbour outranked its caller's frame; 10 ties the tenth, by name)."""
MOVED_FRAME_MAX_FILES = 3
"""A moved frame's function name must pin down this few files to count."""


def _words(terms: list[str], surface: dict[str, str], limit: int = 8) -> list[str]:
    return list(dict.fromkeys(surface.get(t, t) for t in terms))[:limit]


def _path_of(symbol_id: str) -> str:
    return symbol_id.split(":", 1)[0]


def _named_functions(
    ident: list[Evidence], definitions: dict[str, list[Symbol]], access: RepoAccess
) -> tuple[dict[str, float], dict[str, set[str]]]:
    """Functions the issue names clearly enough (one of few definitions of a deliberate name),
    with what each calls."""
    kind = {d.id: d.kind for defs in definitions.values() for d in defs}
    named: dict[str, float] = {}
    for e in ident:
        if ":" in e.target and kind.get(e.target, "class") != "class" and e.weight >= CALLEE_MIN_WEIGHT:
            named[e.target] = max(named.get(e.target, 0.0), e.weight)
    return named, {sid: access.callees(sid) for sid in named}


def _moved_frames(frames: list[Frame], files: list[str], access: RepoAccess) -> dict[int, list[Symbol]]:
    """Frames inside one of the project's packages whose file the repository no longer has
    -> the functions of the name they give."""
    packages = {
        parts[-2]
        for parts in (f.split("/") for f in files if f.endswith("/__init__.py"))
        if (len(parts) == 2 or (len(parts) == 3 and parts[0] in ("src", "lib"))) and not is_test_path(parts[-2] + "/")
    }
    out: dict[int, list[Symbol]] = {}
    for fr in frames:
        if not fr.function or suffix_matches(fr.path, files):
            continue
        if not any(part in packages for part in fr.path.split("/")[:-1]):
            continue
        defs = [d for d in access.definitions(fr.function) if d.kind != "class"]
        if defs and len({d.path for d in defs}) <= MOVED_FRAME_MAX_FILES:
            out[fr.index] = defs
    return out


def _exit_callers(
    issue_text: str, traced: list[Frame], files: list[str], candidates: list[str], access: RepoAccess
) -> list[Evidence]:
    """Functions of the candidate files that call the function the issue's traceback ends in,
    when that frame is outside the repository (see `call_site_evidence`). `traced`: the issue's
    frames, standard-library ones included."""
    end = trace_exit(issue_text, traced)
    if end is None or not end.function or not is_library_path(end.path):
        return []
    if suffix_matches(end.path, files) and not is_stdlib_path(end.path):
        return []  # an installed copy of the project itself: its frames are the repository's
    name = end.function.rsplit(".", 1)[-1]
    if name.startswith(("<", "__")):
        return []
    hits = [h for h in access.literal_hits([name + "("]) if h.path in candidates]
    return call_site_evidence(name, hits, {p: access.file_symbols(p) for p in candidates})


def localize_with(access: RepoAccess, issue_text: str, top_k: int = 10, weights: Weights | None = None) -> Localization:
    w = weights or Weights()
    issue_text = without_listings(issue_text)
    sig = extract(issue_text)
    traced = sig.frames
    # A standard-library frame is never the repository's file of that name (pytest's `pathlib.py`).
    sig.frames = [fr for fr in sig.frames if not is_stdlib_path(fr.path)]
    # The full-text and history queries leave tools' report lines out (a pasted pylint run repeats
    # the reporter's names and every fired checker's message); frames and literals still read them.
    query = without_diagnostics(issue_text) if w.strip_diagnostics else issue_text
    files = access.files()
    # Past commits like the issue (files only: a past diff is not mapped to this view's functions).
    history = (
        in_background(lambda: evidence_from(query, access.past_commits, access.commit_files, files))
        if w.history
        else list
    )
    file_set = set(files)

    # Dotted names contribute qualified names (`Class.method`) and their last component.
    idents = dict(sig.identifiers)
    for dotted in sig.dotted:
        parts = dotted.split(".")
        for cand in (".".join(parts[-2:]), parts[-1]):
            idents.setdefault(cand, IN_BACKTICKS * 0.8)
    # Dunders (`__init__`) and weakly named plain words match definitions everywhere: each costs a
    # large lookup and adds next to nothing once specificity discounts it.
    strongest = sorted(
        ((i, s) for i, s in idents.items() if s >= MIN_LOOKUP_STRENGTH and not (i.startswith("__") and i.endswith("__"))),
        key=lambda kv: -kv[1],  # stable: among equals, the first named (title first) wins
    )[:MAX_IDENTIFIERS]
    definitions: dict[str, list[Symbol]] = {}
    for ident, _ in strongest:
        defs = access.definitions(ident)
        if defs:
            definitions[ident] = defs
    modules: dict[str, str] = {}
    for dotted in sig.dotted:
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            path = access.module_path(prefix)
            if path:
                modules[prefix] = path
                break

    symbols_of: dict[str, list[Symbol]] = {}
    nested_of: dict[str, list[Symbol]] = {}
    for fr_path in {fr.path for fr in sig.frames}:
        found = suffix_matches(fr_path, files)
        if len(found) == 1:  # a bare `__init__.py` frame names no one file
            symbols_of[found[0]] = access.file_symbols(found[0])
    # Nested functions only where a frame names one that the file's own functions do not.
    for fr in sig.frames:
        found = suffix_matches(fr.path, files) if fr.function else []
        if len(found) == 1 and found[0] not in nested_of:
            top_names = {s.name for s in symbols_of.get(found[0], ())}
            if fr.function.rsplit(".", 1)[-1] not in top_names:  # type: ignore[union-attr]
                nested_of[found[0]] = access.nested_functions(found[0])

    test_ev: list[Evidence] = []
    for test_name in sig.tests:
        for t in access.definitions(test_name):
            if not is_test_path(t.path):
                continue
            for target in sorted(access.tested_code(t.id)):
                if _path_of(target) in file_set and not is_test_path(_path_of(target)):
                    test_ev.append(Evidence(target, "test", 0.5, f"exercised by `{test_name}` named in the issue"))
                    test_ev.append(Evidence(_path_of(target), "test", 0.5, f"exercised by `{test_name}` named in the issue"))

    lit_ev: list[Evidence] = []
    literals = issue_literals(issue_text) if w.literal or w.func_literal else []
    if w.literal or w.func_literal:
        # A library called back a callable of another library (argparse -> `re.compile`): the
        # repository handed it over, and a fix often wraps what it hands over.
        handed = [
            h for h in handed_callables(issue_text) if is_stdlib_path(h.path) or not suffix_matches(h.path, files)
        ]
        literals += [handed_literal(h.name) for h in handed]
    if literals:
        patterns = sorted({p for lit in literals for p in lit.patterns})
        matched = distinctive_hits(match_hits(literals, access.literal_hits(patterns)))
        hit_paths = sorted({h.path for hits in matched.values() for h in hits if h.path in file_set})
        lit_ev = literal_evidence(matched, {p: access.file_symbols(p) for p in hit_paths})

    lex_files = access.lexical_files(query, LEXICAL_FILES)
    lex_funcs = access.lexical_functions(query, LEXICAL_FUNCTIONS)

    # --- files -------------------------------------------------------------------------------
    ev: list[Evidence] = []
    ev += lexical_evidence(lex_files)
    ev += similar_test_evidence(lex_files, files) if w.tested else []
    ev += path_evidence(sig.paths, files)
    ev += module_evidence(sig.dotted, modules)
    frames = frame_evidence(sig.frames, files, symbols_of, nested_of, _moved_frames(sig.frames, files, access))
    ident = identifier_evidence({k: v for k, v in strongest}, definitions)
    callee_ev = callee_evidence(*_named_functions(ident, definitions, access)) if w.callee or w.func_callee else []
    ev += [e for e in frames + ident + test_ev + callee_ev + lit_ev if e.target in file_set]
    fmul = file_multipliers(w)
    mentioned = {e.target for e in ev if e.kind in ("path", "module")}
    first = fused(ev, fmul, w)
    first = {p: s * file_kind_factor(p, w, p in mentioned) for p, s in first.items() if p in file_set}
    seeds = dict(ranked(first, SEED_FILES))
    top = max(seeds.values(), default=1.0) or 1.0
    seeds = {p: s / top for p, s in seeds.items() if s >= 0.5 * top}
    links = {p: access.imports_of(p) | access.importers_of(p) for p in seeds} if w.neighbour else {}
    ev += [e for e in neighbour_evidence(seeds, links, "imports/imported by") if e.target in file_set]
    # After the first pass (as neighbours are): the seeds stay what the issue itself points at.
    ev += [e for e in history() if e.target in file_set]
    file_scores = fused(ev, fmul, w)
    file_scores = {p: s * file_kind_factor(p, w, p in mentioned) for p, s in file_scores.items() if p in file_set}
    file_rank = ranked(file_scores, max(top_k, CANDIDATE_FILES_FOR_FUNCTIONS))

    # --- functions ---------------------------------------------------------------------------
    best_file = file_rank[0][1] if file_rank else 1.0
    prior = {p: s / best_file for p, s in file_rank} if best_file else {}
    kinds: dict[str, str] = {}
    fev: list[Evidence] = []
    fev += lexical_evidence(lex_funcs)
    for e in frames + ident + test_ev + callee_ev + lit_ev:
        if e.target not in file_set:
            fev.append(e)
    for d_list in definitions.values():
        for d in d_list:
            kinds[d.id] = d.kind
    for sym_list in (*symbols_of.values(), *nested_of.values()):
        for s in sym_list:
            kinds[s.id] = s.kind
    local_docs: dict[str, Counter[str]] = {}
    for path, _score in file_rank[:CANDIDATE_FILES_FOR_FUNCTIONS]:
        for s in access.file_symbols(path):
            kinds[s.id] = s.kind
            fev.append(Evidence(s.id, "file", prior[path], f"in ranked file {path}"))
            if s.kind != "class":
                local_docs[s.id] = Counter(tokenize(s.qualname + " " + s.text))
    # Nested functions a frame names rank like the ranked files' own functions.
    framed = {e.target for e in frames}
    for s in (s for sym_list in nested_of.values() for s in sym_list if s.id in framed):
        if s.path in prior:
            fev.append(Evidence(s.id, "file", prior[s.path], f"in ranked file {s.path}"))
            local_docs[s.id] = Counter(tokenize(s.qualname + " " + s.text))
    if w.func_local and local_docs:
        # The full-text search returns few of a big repository's functions; inside the ranked
        # files, rank every function by its name, signature and docstring.
        local = BM25(local_docs).scores(tokenize(issue_text))
        fev += lexical_evidence({k: v for k, v in local.items() if v > 0}, "in-file BM25", "local")  # type: ignore[arg-type]
    candidates = {p for p, _ in file_rank[:CANDIDATE_FILES_FOR_FUNCTIONS]}
    if w.func_exit and traced and not frames:
        fev += _exit_callers(issue_text, traced, files, sorted(candidates), access)
    for sid in lex_funcs:
        path = _path_of(sid)
        # The candidate files' functions have their file's prior already (counted twice, any
        # file at half the best score was as good as the best one for its functions).
        if path in prior and path not in candidates:
            fev.append(Evidence(sid, "file", prior[path], f"in ranked file {path}"))
    fmul2 = func_multipliers(w)
    first_f = combine(fev, fmul2, w.caps)
    first_f = {i: s for i, s in first_f.items() if kinds.get(i) != "class"}
    fseeds = dict(ranked(first_f, SEED_FUNCTIONS))
    ftop = max(fseeds.values(), default=1.0) or 1.0
    fseeds = {i: s / ftop for i, s in fseeds.items()}
    flinks = {i: access.callees(i) | access.callers(i) for i in fseeds} if w.func_neighbour else {}
    fev += neighbour_evidence(fseeds, flinks, "calls/called by")
    if w.func_adjacent:
        # Only among the functions that compete already (a lower-ranked file's function the
        # full-text search did not return stays out).
        adjacent = adjacent_evidence(fseeds, {p: access.file_symbols(p) for p in {_path_of(i) for i in fseeds}})
        fev += [e for e in adjacent if e.target in first_f]
    func_scores = combine(fev, fmul2, w.caps)
    func_scores = {
        i: s * file_kind_factor(_path_of(i), w, _path_of(i) in mentioned)
        for i, s in func_scores.items()
        if kinds.get(i) != "class" and ":" in i and not i.startswith("?")
    }
    if w.func_adjacent_floor:
        # A strong function's neighbours come along, not only near-ties (`adjacent_floor`).
        outers = ranked(func_scores, ADJACENT_OUTERS)
        paths = {_path_of(sid) for sid, _ in outers}
        symbols = {p: access.file_symbols(p) for p in paths}
        func_scores, raised = adjacent_floor(
            func_scores, symbols, ADJACENT_OUTERS, w.func_adjacent_floor, ADJACENT_FLOOR_CAP_RANK
        )
        fev += raised

    # Which of the issue's words each returned hit shares, for the lexical evidence line.
    surface = surface_forms(query)
    words = set(surface)
    for path, _score in file_rank[:top_k]:
        names = " ".join(s.qualname for s in access.file_symbols(path))
        shared = sorted(words & set(tokenize(path + " " + names)))
        if shared:
            ev.append(Evidence(path, "lexical", 0.0, "matched terms: " + ", ".join(_words(shared, surface))))
    func_rank = ranked(func_scores, top_k)
    # Gold data and fixes name the innermost unit: the best functions' closures follow them.
    heads = {_path_of(sid) for sid, _ in func_rank[:NESTED_OUTERS]}
    func_rank = with_nested(func_rank, {p: access.nested_functions(p) for p in heads}, top_k)
    for sid, _score in func_rank:
        if sid not in func_scores:
            outer = sid.split(":", 1)[1].rsplit(".", 1)[0]
            fev.append(Evidence(sid, "nested", 0.0, f"defined in `{outer}`, which ranks high"))
    for sid, _score in func_rank:
        shared = sorted(words & set(tokenize(sid.split(":", 1)[1])))
        if shared:
            fev.append(Evidence(sid, "lexical", 0.0, "matched terms: " + ", ".join(_words(shared, surface))))
    loc = Localization(
        files=[FileHit(path=p, score=s, evidence=notes_for(p, ev, fmul)) for p, s in file_rank[:top_k]],
        functions=[FunctionHit(id=i, score=s, evidence=notes_for(i, fev, fmul2)) for i, s in func_rank],
    )
    log.debug("localized", files=len(loc.files), functions=len(loc.functions), identifiers=len(definitions))
    return loc
