"""Localization's pure parts: what an issue names, and how each signal turns into evidence."""

from __future__ import annotations

import math

import pytest

from graph_index.localize.access import ViewAccess
from graph_index.localize.issue import (
    CALLED_IN_PROSE,
    IN_BACKTICKS,
    IN_CODE,
    PLAIN_WORD_FACTOR,
    SHAPED_IN_PROSE,
    Frame,
    extract,
)
from graph_index.localize.locate import localize_with
from graph_index.localize.scoring import (
    Evidence,
    Weights,
    combine,
    frame_evidence,
    fused,
    identifier_evidence,
    module_evidence,
    modules_tested_by,
    path_evidence,
    rank_fusion,
    similar_test_evidence,
    specificity,
)
from graph_index.localize.text import split_identifier, tokenize
from graph_index.localize.view import RepoView, Symbol, is_aux_path, is_test_path

TRACE = """\
Crash when rendering

```
Traceback (most recent call last):
  File "/home/me/app.py", line 3, in <module>
  File "/usr/lib/python3/site-packages/shop/cart.py", line 12, in total
    return apply_discount(t, code)
  File "/usr/lib/python3/site-packages/shop/pricing.py", line 8, in apply_discount
    raise ValueError(code)
ValueError: XMAS
```
"""


def _sym(id_: str, kind: str = "function", start: int = 0, end: int = 0) -> Symbol:
    path, qual = id_.split(":")
    return Symbol(id=id_, path=path, qualname=qual, name=qual.rsplit(".", 1)[-1], kind=kind,
                  start_line=start, end_line=end)


# -- issue text -----------------------------------------------------------------------------------
def test_python_traceback_frames_in_order() -> None:
    sig = extract(TRACE)
    assert sig.frames == [
        Frame("/home/me/app.py", 3, None, 0),
        Frame("/usr/lib/python3/site-packages/shop/cart.py", 12, "total", 1),
        Frame("/usr/lib/python3/site-packages/shop/pricing.py", 8, "apply_discount", 2),
    ]


def test_pytest_style_frames() -> None:
    sig = extract("src/_pytest/python.py:523: in collect\n    x()\nsrc/_pytest/nodes.py:88: ValueError")
    assert [(f.path, f.line, f.function) for f in sig.frames] == [
        ("src/_pytest/python.py", 523, "collect"),
        ("src/_pytest/nodes.py", 88, None),
    ]


def test_mentioned_paths_and_dotted_names() -> None:
    sig = extract("See ./pkg/io/reader.py and a/setup.cfg; `pkg.io.reader.Reader.read` breaks (docs: https://x.org/a.py)")
    assert sig.paths == ["pkg/io/reader.py", "setup.cfg"]
    assert "pkg.io.reader.Reader.read" in sig.dotted
    assert not any(d.endswith(".py") for d in sig.dotted)


def test_identifier_strengths_by_where_they_appear() -> None:
    text = (
        "Calling `make_table` on a DataFrameGroup fails; parse_header() is fine.\n\n"
        "```python\nresult = TableWriter(rows).render_rows()\nvalue = run(x)\n```\n"
        "but the helper_fn is not used and list(x) breaks."
    )
    ids = extract(text).identifiers
    assert ids["make_table"] == IN_BACKTICKS
    assert ids["parse_header"] == CALLED_IN_PROSE
    assert ids["TableWriter"] == IN_CODE
    assert ids["render_rows"] == IN_CODE
    assert ids["DataFrameGroup"] == SHAPED_IN_PROSE
    assert ids["helper_fn"] == SHAPED_IN_PROSE
    assert ids["run"] == pytest.approx(IN_CODE * PLAIN_WORD_FACTOR)  # a plain word in code says little
    assert "list" not in ids and "result" in ids  # builtins are never identifiers


def test_tests_named_in_issue() -> None:
    sig = extract("tests/test_cart.py::test_total_with_discount fails, and TestCart too")
    assert sig.tests == ["test_total_with_discount", "TestCart"]


def test_tokenize_splits_identifiers_and_keeps_compounds() -> None:
    assert split_identifier("_print_LatexFunction") == ("print", "latex", "function")
    assert tokenize("HTTPAdapter sends") == ["http", "adapter", "httpadapter", "send"]


def test_test_and_aux_paths() -> None:
    assert is_test_path("tests/test_x.py") and is_test_path("src/_pytest/testing/x.py")
    assert is_test_path("pkg/conftest.py") and is_test_path("pkg/x_test.py")
    assert not is_test_path("src/_pytest/python.py") and not is_test_path("pkg/contest.py")
    assert is_aux_path("docs/conf.py") and is_aux_path("examples/demo.py") and not is_aux_path("pkg/doc.py")


# -- evidence -------------------------------------------------------------------------------------
FILES = ["shop/__init__.py", "shop/cart.py", "shop/pricing.py", "legacy/pricing.py", "tests/test_cart.py"]


def test_path_evidence_suffix_match_and_shared_basename() -> None:
    ev = path_evidence(["/usr/lib/site-packages/shop/cart.py", "pricing.py", "nothere.py"], FILES)
    assert ev == [
        Evidence("shop/cart.py", "path", 1.0, "path mentioned: /usr/lib/site-packages/shop/cart.py"),
        Evidence("shop/pricing.py", "basename", 1 / math.sqrt(2), "path mentioned: pricing.py"),
        Evidence("legacy/pricing.py", "basename", 1 / math.sqrt(2), "path mentioned: pricing.py"),
    ]


def test_frame_evidence_weights_deeper_frames_and_finds_enclosing_function() -> None:
    frames = extract(TRACE).frames
    symbols = {
        "shop/cart.py": [_sym("shop/cart.py:Cart", "class", 1, 20), _sym("shop/cart.py:Cart.total", "method", 10, 14)],
        "shop/pricing.py": [_sym("shop/pricing.py:apply_discount", "function", 5, 9)],
    }
    ev = frame_evidence(frames, FILES, symbols)
    assert [(e.target, round(e.weight, 3)) for e in ev] == [
        ("shop/cart.py", 0.475),  # 0.3 + 0.7 * (1/2)^2: the outer of two in-repo frames
        ("shop/cart.py:Cart.total", 0.475),
        ("shop/pricing.py", 1.0),  # the raise site
        ("shop/pricing.py:apply_discount", 1.0),
        ("shop/pricing.py", 1.0),  # and, as the deepest frame, its own "raise" evidence
    ]
    assert ev[2].note == "traceback frame shop/pricing.py:8 in apply_discount"
    assert [e.kind for e in ev][-1] == "raise"


def test_identifier_evidence_specificity() -> None:
    defs = {
        "apply_discount": [_sym("shop/pricing.py:apply_discount")],
        "price": [_sym("shop/pricing.py:price"), _sym("legacy/pricing.py:price")],
        "Cart": [_sym("shop/cart.py:Cart", "class")],
    }
    ev = identifier_evidence({"apply_discount": 1.0, "price": 0.6, "Cart": 1.0, "unknown": 1.0}, defs)
    got = {(e.target, round(e.weight, 3)) for e in ev}
    two = round(0.6 * specificity(2), 3)
    assert got == {
        ("shop/pricing.py", 1.0), ("shop/pricing.py:apply_discount", 1.0),
        ("shop/pricing.py", two), ("legacy/pricing.py", two),
        ("shop/pricing.py:price", two), ("legacy/pricing.py:price", two),
        ("shop/cart.py", 1.0), ("shop/cart.py:Cart", 0.5),  # a class points at its file first
    }
    assert specificity(1) == 1.0 and specificity(10) < 0.31


def test_module_evidence_ignores_top_level_package() -> None:
    modules = {"shop": "shop/__init__.py", "shop.cart": "shop/cart.py"}
    ev = module_evidence(["shop.cart.Cart.total", "shop.version"], modules)
    assert ev == [Evidence("shop/cart.py", "module", 1.0, "module named: shop.cart")]


def test_combine_caps_each_kind_then_weights() -> None:
    ev = [Evidence("a", "identifier", 1.5, ""), Evidence("a", "identifier", 1.5, ""), Evidence("a", "lexical", 0.5, "")]
    assert combine(ev, {"identifier": 2.0, "lexical": 1.0}, {"identifier": 2.0}) == {"a": 2.0 * 2.0 + 0.5}


def test_rank_fusion_scores_each_kinds_ranks_with_ties_sharing_one() -> None:
    ev = [
        Evidence("a", "lexical", 1.0, ""),
        Evidence("b", "lexical", 0.9, ""),
        Evidence("c", "lexical", 0.9, ""),
        Evidence("d", "lexical", 0.2, ""),
        Evidence("b", "frame", 0.5, ""),
        Evidence("b", "frame", 0.5, ""),
        Evidence("e", "frame", 0.0, ""),  # zero-weight notes rank nothing
    ]
    got = rank_fusion(ev, {"lexical": 1.0, "frame": 2.0}, {}, k=5)
    assert got["a"] == pytest.approx(1.0)
    assert got["b"] == pytest.approx(6 / 7 + 2.0)  # second on lexical (tied with c), first on frame
    assert got["c"] == pytest.approx(6 / 7)
    assert got["d"] == pytest.approx(6 / 9)  # two targets share rank 2, so d is fourth
    assert "e" not in got


def test_rank_fusion_ranks_capped_weights() -> None:
    # Both pass the cap: the kind cannot tell them apart, so neither ranks above the other.
    ev = [Evidence("a", "identifier", 3.0, ""), Evidence("b", "identifier", 2.5, "")]
    got = rank_fusion(ev, {"identifier": 1.0}, {"identifier": 2.0}, k=5)
    assert got["a"] == got["b"] == pytest.approx(1.0)


def test_fused_adds_a_share_of_the_rank_bonus_to_the_weighted_sum() -> None:
    # b is close to a on BM25 but the only file with a frame: the rank bonus settles what the sum
    # nearly ties.
    ev = [Evidence("a", "lexical", 1.0, ""), Evidence("b", "lexical", 0.95, ""), Evidence("b", "frame", 0.01, "")]
    mul = {"lexical": 1.0, "frame": 1.0}
    plain = combine(ev, mul, {})
    assert plain["a"] > plain["b"]
    got = fused(ev, mul, Weights(rank_fusion=0.25, rank_fusion_k=5))
    assert got["a"] == pytest.approx(1.0 + 0.25)
    assert got["b"] == pytest.approx(0.96 + 0.25 * (6 / 7 + 1.0))
    assert got["b"] > got["a"]
    assert fused(ev, mul, Weights(rank_fusion=0.0)) == plain


TESTED_FILES = [
    "src/_pytest/skipping.py",
    "src/_pytest/nodes.py",
    "testing/test_skipping.py",
    "seaborn/plot.py",
    "seaborn/_core/plot.py",
    "tests/_core/test_plot.py",
    "tests/unittest_brain.py",
    "astroid/brain.py",
    "doc/brain.py",
    "test/api/simple_test.py",
    "src/sqlfluff/api/simple.py",
]


@pytest.mark.parametrize(
    ("test_path", "modules"),
    [
        ("testing/test_skipping.py", ["src/_pytest/skipping.py"]),
        ("tests/_core/test_plot.py", ["seaborn/_core/plot.py"]),  # the directories it shares pick one
        ("tests/unittest_brain.py", ["astroid/brain.py"]),  # docs and examples are left out
        ("test/api/simple_test.py", ["src/sqlfluff/api/simple.py"]),
        ("testing/test_nothing.py", []),
        ("testing/conftest.py", []),
    ],
)
def test_modules_tested_by_follow_test_file_names(test_path: str, modules: list[str]) -> None:
    assert modules_tested_by(test_path, TESTED_FILES) == modules


def test_modules_tested_by_share_a_tie() -> None:
    assert modules_tested_by("tests/test_plot.py", TESTED_FILES) == ["seaborn/_core/plot.py", "seaborn/plot.py"]


def test_similar_test_evidence_maps_the_best_test_files_by_relative_score() -> None:
    lexical = {
        "src/_pytest/nodes.py": 40.0,
        "testing/test_skipping.py": 20.0,
        "tests/_core/test_plot.py": 10.0,
        "tests/test_plot.py": 8.0,
        "tests/unittest_brain.py": 4.0,
    }
    ev = similar_test_evidence(lexical, TESTED_FILES, limit=3)
    assert [(e.target, e.kind, e.weight) for e in ev] == [
        ("src/_pytest/skipping.py", "tested", pytest.approx(0.5)),
        ("seaborn/_core/plot.py", "tested", pytest.approx(0.25)),
        ("seaborn/_core/plot.py", "tested", pytest.approx(0.1)),  # shared with seaborn/plot.py
        ("seaborn/plot.py", "tested", pytest.approx(0.1)),
    ]  # the fourth test file is past the limit
    assert ev[0].note == "tests like the issue in testing/test_skipping.py"
    assert similar_test_evidence({}, TESTED_FILES) == []
    assert similar_test_evidence({"src/_pytest/nodes.py": 3.0}, TESTED_FILES) == []


# -- ranking over a plain view --------------------------------------------------------------------
def _view() -> RepoView:
    files = {
        "shop/cart.py": "class Cart:\n    def total(self):\n        return apply_discount(self.sum, self.code)\n",
        "shop/pricing.py": "def apply_discount(total, code):\n    raise ValueError(code)\n\ndef price(item):\n    return item.price\n",
        "shop/render.py": "def render_receipt(cart):\n    return f'total {cart.total()}'\n",
        "tests/test_cart.py": "def test_total():\n    assert Cart().total() == 0\n",
    }
    symbols = [
        Symbol("shop/cart.py:Cart", "shop/cart.py", "Cart", "Cart", "class", 1, 3, "class Cart:"),
        Symbol("shop/cart.py:Cart.total", "shop/cart.py", "Cart.total", "total", "method", 2, 3,
               "def total(self): return apply_discount(self.sum, self.code)"),
        Symbol("shop/pricing.py:apply_discount", "shop/pricing.py", "apply_discount", "apply_discount", "function", 1, 2,
               "def apply_discount(total, code): raise ValueError(code)"),
        Symbol("shop/pricing.py:price", "shop/pricing.py", "price", "price", "function", 4, 5, "def price(item)"),
        Symbol("shop/render.py:render_receipt", "shop/render.py", "render_receipt", "render_receipt", "function", 1, 2,
               "def render_receipt(cart): total"),
        Symbol("tests/test_cart.py:test_total", "tests/test_cart.py", "test_total", "test_total", "function", 1, 2,
               "def test_total(): Cart total"),
    ]
    return RepoView(
        files=files,
        symbols={s.id: s for s in symbols},
        imports={"shop/cart.py": {"shop/pricing.py"}, "shop/render.py": {"shop/cart.py"}},
        calls={"shop/cart.py:Cart.total": {"shop/pricing.py:apply_discount"}},
        tests={"tests/test_cart.py:test_total": {"shop/cart.py:Cart.total"}},
    )


def test_traceback_ranks_raise_site_first() -> None:
    loc = localize_with(ViewAccess(_view()), TRACE, top_k=3)
    assert [f.path for f in loc.files][:2] == ["shop/pricing.py", "shop/cart.py"]
    assert loc.functions[0].id == "shop/pricing.py:apply_discount"
    assert "traceback frame shop/pricing.py:8 in apply_discount" in loc.files[0].evidence


def test_backticked_method_ranks_its_function_first() -> None:
    loc = localize_with(ViewAccess(_view()), "`Cart.total` is off by one for an empty basket", top_k=3)
    assert loc.files[0].path == "shop/cart.py"
    assert loc.functions[0].id == "shop/cart.py:Cart.total"
    assert "`Cart.total` named in the issue" in loc.functions[0].evidence


def test_named_test_maps_to_code_it_exercises_and_test_files_rank_low() -> None:
    loc = localize_with(ViewAccess(_view()), "test_total fails after upgrading", top_k=4)
    assert loc.files[0].path == "shop/cart.py"
    assert "exercised by `test_total` named in the issue" in loc.files[0].evidence
    assert [f.path for f in loc.files].index("tests/test_cart.py") > 0


def test_mentioned_path_wins_over_words() -> None:
    loc = localize_with(ViewAccess(_view()), "The receipt in shop/render.py shows the wrong total", top_k=2)
    assert loc.files[0].path == "shop/render.py"
    assert loc.files[0].evidence[0] == "path mentioned: shop/render.py"


def test_output_is_deterministic_and_bounded() -> None:
    a = localize_with(ViewAccess(_view()), "total price of a cart", top_k=2)
    b = localize_with(ViewAccess(_view()), "total price of a cart", top_k=2)
    assert a == b and len(a.files) <= 2 and len(a.functions) <= 2
    assert all(x.score >= y.score for x, y in zip(a.files, a.files[1:], strict=False))


def test_custom_weights_change_the_ranking() -> None:
    text = "shop/render.py: `apply_discount` raises"
    default = localize_with(ViewAccess(_view()), text, top_k=2)
    no_paths = localize_with(ViewAccess(_view()), text, top_k=2, weights=Weights(path=0.0))
    assert default.files[0].path == "shop/render.py" and no_paths.files[0].path == "shop/pricing.py"


# -- the graph search query ------------------------------------------------------------------------
QUERY_TEXT = "`LatexPrinter._print_Function` drops inv_trig_style; printing acsc and asec fails"


def test_search_query_puts_named_identifier_parts_first() -> None:
    from graph_index.localize.graph_access import search_query

    assert search_query(QUERY_TEXT, limit=6) == "latex printer print function inv trig"


def test_search_query_leaves_out_python_keywords() -> None:
    from graph_index.localize.graph_access import search_query

    text = "`sympy.Matrix.det` raises; assert det(M) == 0 fails with sympy 1.7; try except"
    assert search_query(text) == "matrix sympy det raises fails"


def test_search_query_is_the_same_whatever_the_hash_seed() -> None:
    import os
    import subprocess
    import sys

    code = f"from graph_index.localize.graph_access import search_query; print(search_query({QUERY_TEXT!r}))"
    outs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(outs) == 1


def test_in_file_bm25_orders_functions_of_a_ranked_file() -> None:
    # Only the file prior and the in-file BM25 count: the docstring decides among equals.
    view = RepoView(
        files={"calc/ops.py": "ops"},
        symbols={
            s.id: s
            for s in (
                Symbol("calc/ops.py:add", "calc/ops.py", "add", "add", "function", 1, 2, "def add(a, b): Sum two numbers."),
                Symbol("calc/ops.py:mod", "calc/ops.py", "mod", "mod", "function", 3, 4,
                       "def mod(a, b): Remainder of a division; negative divisors round toward zero."),
            )
        },
    )
    w = Weights(func_lexical=0.0, func_identifier=0.0, func_local=1.0)
    loc = localize_with(ViewAccess(view), "calc/ops.py gives the wrong remainder for negative divisors", top_k=2, weights=w)
    assert [f.id for f in loc.functions] == ["calc/ops.py:mod", "calc/ops.py:add"]
    assert any(e.startswith("in-file BM25") for e in loc.functions[0].evidence)
