"""Which units function ranking returns: the closures of the best-ranked functions follow them."""

from __future__ import annotations

from graph_index.localize.access import ViewAccess
from graph_index.localize.locate import localize_with
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
