"""Localization's newer evidence kinds, on literal data: environment listings left out of the
issue, IPython tracebacks, frames that name nested functions or point into moved files, flags in
the search query, callees of named functions."""

from __future__ import annotations

from graph_index.localize.access import ViewAccess
from graph_index.localize.issue import Frame, extract, without_listings
from graph_index.localize.locate import localize_with
from graph_index.localize.scoring import (
    Weights,
    callee_evidence,
    combine,
    file_multipliers,
    frame_evidence,
    nested_frame_function,
)
from graph_index.localize.view import RepoView, Symbol

PIP_LIST = """\
`Cart.total` is wrong for empty carts.

```
Package            Version
------------------ --------
attrs              19.1.0
more-itertools     7.0.0
pluggy             0.12.0
pytest             4.6.2

zipp               0.5.1
```
Thanks!
"""


def test_environment_listing_is_left_out() -> None:
    out = without_listings(PIP_LIST)
    assert "attrs" not in out and "zipp" not in out and "pluggy" not in out
    assert "`Cart.total` is wrong" in out and "Thanks!" in out
    assert "pluggy" not in extract(out).identifiers


def test_show_versions_style_listing_is_left_out() -> None:
    text = "Bug\n\nINSTALLED VERSIONS\ncommit: None\npython: 3.8.5 (default, Sep 4 2020)\nnumpy: 1.19.2\npandas: 1.1.3\nsphinx: None\n"
    out = without_listings(text)
    assert "numpy" not in out and "pandas" not in out and out.startswith("Bug")


def test_short_version_banners_and_config_lines_stay() -> None:
    banner = "pylint 2.14.4\nastroid 2.11.7\nPython 3.10.2\n"
    assert without_listings(banner) == banner
    config = "verbose = 2\nprocesses = 3\ntab_space_size = 4\nmax_line_length = 120\n"
    assert without_listings(config) == config  # numbers without a dotted version: settings, not a listing


IPYTHON8 = """\
File ~/code/shop/shop/cart.py:12, in Cart.total(self)
     11 def total(self):
---> 12     return apply_discount(self.sum, self.code)

File ~/code/shop/shop/pricing.py:2, in apply_discount(total, code)
----> 2 raise ValueError(code)
"""

IPYTHON7 = """\
~/anaconda3/lib/python3.8/site-packages/shop/cart.py in total(self)
     10     def total(self):
---> 12         return apply_discount(self.sum, self.code)

~/anaconda3/lib/python3.8/site-packages/shop/pricing.py in apply_discount(total, code)
      1 def apply_discount(total, code):
----> 2     raise ValueError(code)
"""


def test_ipython_frames_both_styles() -> None:
    for text, first in ((IPYTHON8, "Cart.total"), (IPYTHON7, "total")):
        frames = extract(text).frames
        assert [(f.path.split("/")[-1], f.line, f.function) for f in frames] == [
            ("cart.py", 12, first),
            ("pricing.py", 2, "apply_discount"),
        ]
        assert frames[1].index > frames[0].index


def _nested_view() -> RepoView:
    method = Symbol("shop/cart.py:Cart.total", "shop/cart.py", "Cart.total", "total", "method", 2, 12, "def total(self)")
    helper = Symbol("shop/cart.py:Cart.total.add_line", "shop/cart.py", "Cart.total.add_line", "add_line", "function", 5, 8,
                    "def add_line(line)")
    # `clear` is not `total`'s source-order neighbour (see test_localize_adjacent.py).
    other = Symbol("shop/cart.py:Cart.clear", "shop/cart.py", "Cart.clear", "clear", "method", 20, 22, "def clear(self)")
    cls = Symbol("shop/cart.py:Cart", "shop/cart.py", "Cart", "Cart", "class", 1, 22, "class Cart:")
    return RepoView(
        files={"shop/cart.py": "class Cart: total add_line clear"},
        symbols={s.id: s for s in (cls, method, other)},
        nested={"shop/cart.py": [helper]},
    )


def test_frame_naming_a_nested_function_points_at_it() -> None:
    view = _nested_view()
    top = view.symbols_by_path()
    frame = Frame("shop/cart.py", 6, "add_line", 0)
    ev = frame_evidence([frame], ["shop/cart.py"], top, view.nested)
    assert "shop/cart.py:Cart.total.add_line" in {e.target for e in ev}
    # The same line without the nested function's name stays with the method.
    ev = frame_evidence([Frame("shop/cart.py", 6, "total", 0)], ["shop/cart.py"], top, view.nested)
    assert {e.target for e in ev} == {"shop/cart.py", "shop/cart.py:Cart.total"}


def test_nested_frame_survives_line_drift_inside_its_method() -> None:
    view = _nested_view()
    method = view.symbols["shop/cart.py:Cart.total"]
    nested = view.nested["shop/cart.py"]
    # Line 3 is in the method but before the helper (the reporter ran an older version).
    assert nested_frame_function(Frame("shop/cart.py", 3, "add_line", 0), nested, method) == nested[0]
    # Outside the method that holds it, a same-named frame is not taken for it.
    other = view.symbols["shop/cart.py:Cart.clear"]
    assert nested_frame_function(Frame("shop/cart.py", 15, "add_line", 0), nested, other) is None


def test_localize_ranks_the_nested_function_a_traceback_names() -> None:
    text = 'Traceback (most recent call last):\n  File "shop/cart.py", line 6, in add_line\nKeyError: 3\n'
    loc = localize_with(ViewAccess(_nested_view()), text, top_k=3)
    assert loc.functions[0].id == "shop/cart.py:Cart.total.add_line"
    assert "traceback frame shop/cart.py:6 in add_line" in loc.functions[0].evidence


def test_search_query_spells_flags_as_code_does() -> None:
    from graph_index.localize.graph_access import search_query

    terms = search_query("`pytest --collect-only` has no short form; see -m and --msg-template", limit=8).split()
    assert terms[:4] == ["collect_only", "collectonly", "msg_template", "msgtemplate"]
    assert "non_empty" not in search_query("a list - non-empty - fails")


def test_callee_evidence_shares_a_named_functions_weight_with_what_it_calls_elsewhere() -> None:
    named = {"shop/cart.py:Cart.total": 0.8}
    callees = {"shop/cart.py:Cart.total": {"shop/pricing.py:apply_discount", "shop/tax.py:vat", "shop/cart.py:Cart.lines", "?len"}}
    ev = callee_evidence(named, callees)
    targets = {e.target: e.weight for e in ev}
    # Same-file callees and unresolved calls add nothing; two callees elsewhere share 0.8.
    assert set(targets) == {"shop/pricing.py", "shop/pricing.py:apply_discount", "shop/tax.py", "shop/tax.py:vat"}
    assert all(abs(w - 0.8 / 2**0.5) < 1e-9 for w in targets.values())
    assert all(e.kind == "callee" for e in ev)


def test_localize_follows_a_named_function_into_the_file_it_calls() -> None:
    # `Cart.total` is named and calls `apply_discount`: pricing.py ranks through the call alone.
    view = RepoView(
        files={"shop/cart.py": "cart", "shop/pricing.py": "pricing", "shop/render.py": "render"},
        symbols={
            s.id: s
            for s in (
                Symbol("shop/cart.py:Cart.total", "shop/cart.py", "Cart.total", "total", "method", 2, 3, "def total(self)"),
                Symbol("shop/pricing.py:apply_discount", "shop/pricing.py", "apply_discount", "apply_discount", "function", 1, 2,
                       "def apply_discount(total, code)"),
                Symbol("shop/render.py:render_receipt", "shop/render.py", "render_receipt", "render_receipt", "function", 1, 2,
                       "def render_receipt(cart)"),
            )
        },
        calls={"shop/cart.py:Cart.total": {"shop/pricing.py:apply_discount"}},
    )
    text = "`Cart.total` returns a negative amount"
    on = localize_with(ViewAccess(view), text, top_k=3)
    assert [f.path for f in on.files][:2] == ["shop/cart.py", "shop/pricing.py"]
    assert "called by `Cart.total` named in the issue" in on.files[1].evidence
    off = localize_with(ViewAccess(view), text, top_k=3, weights=Weights(callee=0.0, func_callee=0.0))
    assert [f.path for f in off.files] == ["shop/cart.py"]


def test_frame_in_a_moved_file_counts_through_the_function_it_names() -> None:
    view = RepoView(
        files={"shop/__init__.py": "", "shop/_oldcart.py": "cart", "shop/render.py": "render"},
        symbols={
            s.id: s
            for s in (
                Symbol("shop/_oldcart.py:Cart.lookup", "shop/_oldcart.py", "Cart.lookup", "lookup", "method", 1, 9, "def lookup(self, key)"),
                Symbol("shop/render.py:render", "shop/render.py", "render", "render", "function", 1, 9, "def render(cart)"),
            )
        },
    )
    text = (
        "Traceback (most recent call last):\n"
        '  File "/venv/site-packages/shop/render.py", line 3, in render\n'
        '  File "/venv/site-packages/shop/_cart.py", line 7, in lookup\n'
        '  File "/venv/site-packages/numpy/core/fromnumeric.py", line 7, in lookup\n'
        "KeyError: 'x'\n"
    )
    loc = localize_with(ViewAccess(view), text, top_k=3)
    # `shop/_cart.py` is gone; its frame (the deeper one) finds `lookup` in the file that has it now.
    assert loc.files[0].path == "shop/_oldcart.py"
    assert loc.functions[0].id == "shop/_oldcart.py:Cart.lookup"
    assert any("(file moved)" in e for e in loc.functions[0].evidence)
    # A frame outside the project's packages (numpy) is not taken for a moved file.
    assert not any("fromnumeric" in e for f in loc.files for e in f.evidence)


def test_the_raise_site_file_gets_its_own_evidence() -> None:
    frames = [Frame("pkg/driver.py", i, "step", i) for i in range(1, 5)] + [Frame("pkg/scales.py", 9, "setup", 4)]
    ev = frame_evidence(frames, ["pkg/driver.py", "pkg/scales.py"], {})
    raised = [e for e in ev if e.kind == "raise"]
    assert [(e.target, e.weight) for e in raised] == [("pkg/scales.py", 1.0)]
    # Four shallow driver frames outweigh the deepest one as frames; the raise site adds its own.
    w = Weights()
    no_raise = combine([e for e in ev if e.kind != "raise"], file_multipliers(w), w.caps)
    both = combine(ev, file_multipliers(w), w.caps)
    assert no_raise["pkg/driver.py"] > no_raise["pkg/scales.py"]
    assert abs(both["pkg/scales.py"] - no_raise["pkg/scales.py"] - w.raise_site) < 1e-9
