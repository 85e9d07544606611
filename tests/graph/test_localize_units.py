"""Which units function ranking returns: the closures of the best-ranked functions follow them."""

from __future__ import annotations

import pytest

from graph_index.localize.access import ViewAccess
from graph_index.localize.locate import CANDIDATE_FILES_FOR_FUNCTIONS, localize_with
from graph_index.localize.scoring import Weights
from graph_index.localize.units import nested_in, with_nested
from graph_index.localize.view import RepoView, Symbol


def _fn(id_: str, start: int, end: int, kind: str = "function") -> Symbol:
    path, qual = id_.split(":")
    return Symbol(id_, path, qual, qual.rsplit(".", 1)[-1], kind, start, end, "")


NESTED = [
    _fn("p.py:P._print_Sum.asum", 12, 20),
    _fn("p.py:P._print_Sum.adjust", 22, 25),
    _fn("p.py:P._print_Sum.adjust.inner", 23, 24),
    _fn("p.py:P._print_Sumx.helper", 40, 41),  # a prefix of the name, not nested in it
    _fn("p.py:other.f", 60, 61),
]


def test_nested_in_is_every_depth_in_source_order_and_not_name_prefixes() -> None:
    assert [s.id for s in nested_in("p.py:P._print_Sum", NESTED)] == [
        "p.py:P._print_Sum.asum", "p.py:P._print_Sum.adjust", "p.py:P._print_Sum.adjust.inner"
    ]


def test_closures_of_the_best_functions_follow_them_with_their_score() -> None:
    ranking = [("p.py:P._print_Sum", 3.0), ("q.py:g", 2.0), ("p.py:other", 1.5), ("q.py:h", 1.0)]
    out = with_nested(ranking, {"p.py": NESTED}, k=5, outers=3, per_outer=2)
    assert out == [
        ("p.py:P._print_Sum", 3.0), ("p.py:P._print_Sum.asum", 3.0), ("p.py:P._print_Sum.adjust", 3.0),
        ("q.py:g", 2.0), ("p.py:other", 1.5),
    ]
    # Only the first `outers` functions bring their closures; the list stays cut to k.
    assert with_nested(ranking, {"p.py": NESTED}, k=10, outers=1, per_outer=1) == [
        ("p.py:P._print_Sum", 3.0), ("p.py:P._print_Sum.asum", 3.0), *ranking[1:]
    ]
    assert with_nested(ranking, {}, k=2) == ranking[:2]


def test_localize_returns_the_closure_of_the_function_it_ranks_first() -> None:
    text = "def render(total):\n    def fmt(x):\n        return x\n    return fmt(total)\n"
    outer = Symbol("shop/render.py:render", "shop/render.py", "render", "render", "function", 1, 4,
                   "def render(total)")
    inner = _fn("shop/render.py:render.fmt", 2, 3)
    view = RepoView(files={"shop/render.py": text}, symbols={outer.id: outer}, nested={"shop/render.py": [inner]})
    loc = localize_with(ViewAccess(view), "`render` prints the total wrong", top_k=5)
    assert [f.id for f in loc.functions] == ["shop/render.py:render", "shop/render.py:render.fmt"]
    assert loc.functions[1].score == loc.functions[0].score
    assert loc.functions[1].evidence[0] == "defined in `render`, which ranks high"


def test_a_functions_file_prior_counts_once() -> None:
    # Only the file prior counts: every function scores its file's score relative to the best
    # file's, whether or not the full-text search also returned it (it used to count twice then,
    # so any lexically hit function of a file at half the best score tied the best file's).
    files = {
        "shop/cart.py": "class Cart:\n    def total(self):\n        return 0\n",
        "shop/pricing.py": "def discount(total):\n    return total\n",
    }
    symbols = [
        Symbol("shop/cart.py:Cart", "shop/cart.py", "Cart", "Cart", "class", 1, 3, "class Cart"),
        Symbol("shop/cart.py:Cart.total", "shop/cart.py", "Cart.total", "total", "method", 2, 3, "def total(self)"),
        Symbol("shop/pricing.py:discount", "shop/pricing.py", "discount", "discount", "function", 1, 2,
               "def discount(total) discount total"),
    ]
    view = RepoView(files=files, symbols={s.id: s for s in symbols})
    only_prior = Weights(func_lexical=0.0, func_local=0.0, func_identifier=0.0, func_frame=0.0,
                         func_callee=0.0, func_literal=0.0, test_link=0.0)
    loc = localize_with(ViewAccess(view), "shop/cart.py: the discount total is wrong", top_k=5, weights=only_prior)
    file_score = {f.path: f.score for f in loc.files}
    assert list(file_score) == ["shop/cart.py", "shop/pricing.py"]
    best = file_score["shop/cart.py"]
    assert 0.0 < file_score["shop/pricing.py"] / best < 0.9
    for f in loc.functions:
        assert f.score == pytest.approx(file_score[f.id.split(":")[0]] / best)


def test_only_the_best_files_lend_every_function_their_prior() -> None:
    # Every function of the first CANDIDATE_FILES_FOR_FUNCTIONS files competes; a function of a
    # lower-ranked file competes only when the full-text search returned it (here: `parse_order`
    # shares the issue's words, `helper` does not).
    names = ["a", "b", "c", "d", "e"]
    files = {f"pkg/{n}.py": "def helper():\n    pass\n" for n in names}
    files["pkg/e.py"] += "def parse_order():\n    pass\n"
    symbols = [
        Symbol(f"pkg/{n}.py:helper", f"pkg/{n}.py", "helper", "helper", "function", 1, 2, "def helper()")
        for n in names
    ] + [Symbol("pkg/e.py:parse_order", "pkg/e.py", "parse_order", "parse_order", "function", 3, 4,
                "def parse_order() parse order")]
    view = RepoView(files=files, symbols={s.id: s for s in symbols})
    issue = "pkg/a.py pkg/b.py pkg/c.py pkg/d.py pkg/e.py: parse order fails"
    loc = localize_with(ViewAccess(view), issue, top_k=10, weights=Weights(lexical=0.0, func_local=0.0))
    assert [f.path for f in loc.files][:5] == [f"pkg/{n}.py" for n in names]
    ids = [f.id for f in loc.functions]
    assert {f"pkg/{n}.py:helper" for n in names[:CANDIDATE_FILES_FOR_FUNCTIONS]} <= set(ids)
    assert "pkg/e.py:parse_order" in ids
    assert "pkg/e.py:helper" not in ids
