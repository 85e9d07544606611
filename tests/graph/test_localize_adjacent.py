"""Source-order neighbours of the best functions: a fix's hunks carry the lines around an edit."""

from __future__ import annotations

from graph_index.localize.access import ViewAccess
from graph_index.localize.locate import localize_with
from graph_index.localize.scoring import (
    HUNK_CONTEXT_LINES,
    Weights,
    adjacent_evidence,
    adjacent_floor,
)
from graph_index.localize.view import RepoView, Symbol


def _sym(id_: str, start: int, end: int, kind: str = "method", text: str = "") -> Symbol:
    path, qual = id_.split(":")
    return Symbol(id_, path, qual, qual.rsplit(".", 1)[-1], kind, start, end, text)


BP = [
    _sym("bp.py:Blueprint", 1, 60, "class"),
    _sym("bp.py:Blueprint.__init__", 3, 12),
    _sym("bp.py:Blueprint.add_url_rule", 14, 30),  # one blank line after __init__
    _sym("bp.py:Blueprint.app_template_filter", 32, 40),
    _sym("bp.py:Blueprint.far_away", 50, 60),  # nine lines below: no hunk's context reaches it
    _sym("bp.py:module_helper", 63, 70, "function"),
]


def test_the_functions_right_before_and_after_a_seed_share_its_score() -> None:
    ev = adjacent_evidence({"bp.py:Blueprint.add_url_rule": 0.8}, {"bp.py": BP})
    assert [(e.target, e.kind, e.weight) for e in ev] == [
        ("bp.py:Blueprint.__init__", "adjacent", 0.8),
        ("bp.py:Blueprint.app_template_filter", "adjacent", 0.8),
    ]
    assert ev[1].note == "right after `Blueprint.add_url_rule`, which ranks high"


def test_no_neighbour_beyond_a_hunks_context_and_none_for_unknown_seeds() -> None:
    # `far_away` starts ten lines after `app_template_filter` ends; `module_helper` three after
    # `far_away` (two blank lines between top-level definitions, the usual style).
    assert [e.target for e in adjacent_evidence({"bp.py:Blueprint.app_template_filter": 1.0}, {"bp.py": BP})] == [
        "bp.py:Blueprint.add_url_rule"
    ]
    assert HUNK_CONTEXT_LINES >= 63 - 60
    assert [e.target for e in adjacent_evidence({"bp.py:module_helper": 1.0}, {"bp.py": BP})] == [
        "bp.py:Blueprint.far_away"
    ]
    # A nested function or an unknown id is no seed; a class is never a neighbour.
    assert adjacent_evidence({"bp.py:Blueprint.add_url_rule.inner": 1.0, "x.py:f": 1.0}, {"bp.py": BP}) == []
    assert adjacent_evidence({"bp.py:Blueprint.__init__": 1.0}, {"bp.py": BP})[0].target == (
        "bp.py:Blueprint.add_url_rule"
    )


def test_localize_ranks_the_neighbour_of_its_best_function_above_an_equal_stranger() -> None:
    # `render` is what the issue names; `footer` (right after it) and `unrelated` (far below)
    # share nothing with the issue, so only the neighbour evidence tells them apart.
    src = "\n".join(f"# line {i}" for i in range(1, 80))
    symbols = [
        _sym("site/page.py:render", 1, 10, "function", "def render(page) render the page title"),
        _sym("site/page.py:footer", 13, 20, "function", "def footer(page)"),
        _sym("site/page.py:unrelated", 40, 50, "function", "def unrelated(page)"),
    ]
    view = RepoView(files={"site/page.py": src}, symbols={s.id: s for s in symbols})
    issue = "`render` shows the wrong title"
    on = localize_with(ViewAccess(view), issue, top_k=3)
    assert [f.id for f in on.functions] == ["site/page.py:render", "site/page.py:footer", "site/page.py:unrelated"]
    assert on.functions[1].score > on.functions[2].score
    assert "right after `render`, which ranks high" in on.functions[1].evidence
    off = localize_with(ViewAccess(view), issue, top_k=3, weights=Weights(func_adjacent=0.0, func_adjacent_floor=0.0))
    scores = {f.id: f.score for f in off.functions}
    assert scores["site/page.py:footer"] == scores["site/page.py:unrelated"]


def test_the_neighbours_of_the_best_functions_rank_at_least_at_a_share_of_their_score() -> None:
    scores = {
        "bp.py:Blueprint.add_url_rule": 3.0,  # far ahead of the rest
        "bp.py:Blueprint.__init__": 1.0,
        "bp.py:Blueprint.app_template_filter": 2.5,  # already above the floor: unchanged
        "bp.py:Blueprint.far_away": 1.2,
        "bp.py:module_helper": 1.1,
    }
    out, notes = adjacent_floor(scores, {"bp.py": BP}, outers=1, share=0.6, cap_rank=2)
    assert out["bp.py:Blueprint.__init__"] == 0.6 * 3.0
    assert out["bp.py:Blueprint.app_template_filter"] == 2.5
    assert {k: v for k, v in out.items() if k not in ("bp.py:Blueprint.__init__",)} == {
        k: v for k, v in scores.items() if k != "bp.py:Blueprint.__init__"
    }
    assert [(e.target, e.weight) for e in notes] == [("bp.py:Blueprint.__init__", 0.0)]
    assert notes[0].note == "right before `Blueprint.add_url_rule`, which ranks high"
    # Only the best `outers` functions lift their neighbours; unscored functions never appear.
    out2, _ = adjacent_floor({"bp.py:Blueprint.far_away": 1.0, "bp.py:Blueprint.__init__": 0.1}, {"bp.py": BP}, 1, 0.6, 2)
    assert out2 == {"bp.py:Blueprint.far_away": 1.0, "bp.py:Blueprint.__init__": 0.1}
    # Never above the `cap_rank`-th best score: here the third best, 1.2 (a tie with it).
    out3, _ = adjacent_floor(scores, {"bp.py": BP}, outers=1, share=0.6, cap_rank=3)
    assert out3["bp.py:Blueprint.__init__"] == 1.2


def test_localize_brings_a_strong_functions_neighbour_past_stronger_strangers() -> None:
    # `render` is named and framed: far ahead. `footer`, right after it, shares no word with the
    # issue; ten strangers share one or two. The additive evidence alone leaves `footer` eleventh;
    # the floor lifts it to a tie with the eighth best, not above it.
    src = "\n".join(f"# line {i}" for i in range(1, 200))
    words = ["shows", "wrong", "page", "title", "shows wrong", "wrong page", "page title", "shows title",
             "shows page", "wrong title"]
    symbols = [
        _sym("site/page.py:render", 1, 10, "function", "def render(page) render the page"),
        _sym("site/page.py:footer", 13, 20, "function", "def footer(page)"),
    ] + [
        _sym(f"site/page.py:stranger_{i}", 30 + 10 * i, 35 + 10 * i, "function", f"def stranger_{i}(page) {words[i]}")
        for i in range(10)
    ]
    view = RepoView(files={"site/page.py": src}, symbols={s.id: s for s in symbols})
    issue = 'Traceback (most recent call last):\n  File "site/page.py", line 5, in render\n`render` shows the wrong page title\n'
    off = localize_with(ViewAccess(view), issue, top_k=12, weights=Weights(func_adjacent_floor=0.0)).functions
    assert [f.id for f in off].index("site/page.py:footer") == 10
    on = localize_with(ViewAccess(view), issue, top_k=12).functions
    assert [f.id for f in on].index("site/page.py:footer") == 7
    assert on[7].score == off[7].score < on[6].score
    assert "right after `render`, which ranks high" in on[7].evidence
