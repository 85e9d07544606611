"""Localization end to end through the real graph (every backend), and the `orch localize` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph_index.localize import FileHit, FunctionHit, Localization, localize

SHOP = {
    "shop/__init__.py": "from shop.cart import Cart\n",
    "shop/pricing.py": '''"""Prices and discounts."""
DISCOUNTS = {"HALF": 0.5}


def price(item):
    return item.unit_price


def apply_discount(subtotal, code):
    if code is None:
        return subtotal
    if code not in DISCOUNTS:
        raise ValueError(f"unknown discount code {code}")
    return subtotal * DISCOUNTS[code]
''',
    "shop/cart.py": '''"""Shopping cart."""
from shop.pricing import apply_discount, price


class Cart:
    """Items and quantities."""

    def __init__(self):
        self.items = []
        self.code = None

    def add(self, item, qty=1):
        self.items.append((item, qty))

    def total(self):
        subtotal = sum(price(item) * qty for item, qty in self.items)
        return apply_discount(subtotal, self.code)
''',
    "shop/receipt.py": '''from shop.cart import Cart


def render_receipt(cart: Cart) -> str:
    """One line per item with its quantity, then the total."""
    lines = [f"{item.name} x{qty}" for item, qty in cart.items]
    lines.append(f"total: {cart.total()}")
    return "\\n".join(lines)
''',
    "tests/test_pricing.py": '''from shop.pricing import apply_discount


def test_apply_discount_half():
    assert apply_discount(10, "HALF") == 5
''',
    "docs/conf.py": 'project = "shop"\n',
}


def _line(path: str, needle: str) -> int:
    return next(i for i, text in enumerate(SHOP[path].splitlines(), 1) if needle in text)


TRACEBACK_ISSUE = f"""Checkout crashes with an unknown discount code

Traceback (most recent call last):
  File "/srv/app/checkout.py", line 40, in pay
  File "/venv/lib/python3.11/site-packages/shop/cart.py", line {_line("shop/cart.py", "return apply_discount")}, in total
  File "/venv/lib/python3.11/site-packages/shop/pricing.py", line {_line("shop/pricing.py", "raise ValueError")}, in apply_discount
ValueError: unknown discount code XMAS
"""


@pytest.fixture
def shop_repo(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    for rel, text in SHOP.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture
def shop_graph(shop_repo: Path, graph_factory):
    g = graph_factory(shop_repo)
    g.index(shop_repo)
    return g


def test_traceback_points_at_raise_site(shop_graph) -> None:
    loc = localize(shop_graph, TRACEBACK_ISSUE, top_k=3)
    assert isinstance(loc, Localization)
    assert [f.path for f in loc.files][:2] == ["shop/pricing.py", "shop/cart.py"]
    assert loc.functions[0].id == "shop/pricing.py:apply_discount"
    assert loc.functions[1].id == "shop/cart.py:Cart.total"
    frame = f"traceback frame shop/pricing.py:{_line('shop/pricing.py', 'raise ValueError')} in apply_discount"
    assert frame in loc.files[0].evidence and frame in loc.functions[0].evidence


def test_named_method_is_the_top_function(shop_graph) -> None:
    loc = localize(shop_graph, "`Cart.total` ignores the quantity of each item", top_k=5)
    assert loc.files[0].path == "shop/cart.py"
    assert loc.functions[0].id == "shop/cart.py:Cart.total"
    assert "`Cart.total` named in the issue" in loc.functions[0].evidence


def test_named_test_maps_to_the_code_it_exercises(shop_graph) -> None:
    loc = localize(shop_graph, "test_apply_discount_half started failing on main", top_k=5)
    assert loc.files[0].path == "shop/pricing.py"
    assert "exercised by `test_apply_discount_half` named in the issue" in loc.files[0].evidence
    assert "tests/test_pricing.py" not in [f.path for f in loc.files[:1]]


def test_words_alone_find_the_file(shop_graph) -> None:
    loc = localize(shop_graph, "The printed receipt lines lack each item's quantity", top_k=3)
    assert loc.files[0].path == "shop/receipt.py"
    assert loc.functions[0].id == "shop/receipt.py:render_receipt"
    assert any(e.startswith("matched terms: ") and "receipt" in e for e in loc.files[0].evidence)


def test_result_shape(shop_graph) -> None:
    loc = localize(shop_graph, TRACEBACK_ISSUE, top_k=2)
    assert len(loc.files) == 2 and len(loc.functions) == 2
    assert all(isinstance(f, FileHit) and not f.path.startswith("/") for f in loc.files)
    assert all(isinstance(f, FunctionHit) and ":" in f.id for f in loc.functions)


# -- CLI -------------------------------------------------------------------------------------------
def orch(*args: str, index_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("ORCH_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", "--set", f"graph.index_dir={index_dir}", *args],
        capture_output=True, text=True, env=env, timeout=120, input=stdin,
    )


def test_cli_json_contract(shop_repo: Path, tmp_path: Path) -> None:
    issue = tmp_path / "issue.md"
    issue.write_text(TRACEBACK_ISSUE)
    idx = tmp_path / "idx"
    out = orch("localize", "--issue", str(issue), "--repo", str(shop_repo), "--top", "2", "--json", index_dir=idx)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"files", "functions"}
    assert [set(f) for f in data["files"]] == [{"path", "score", "evidence"}] * 2
    assert [set(f) for f in data["functions"]] == [{"id", "score", "evidence"}] * 2
    assert data["files"][0]["path"] == "shop/pricing.py"
    assert data["functions"][0]["id"] == "shop/pricing.py:apply_discount"
    assert isinstance(data["files"][0]["score"], float)
    assert all(isinstance(e, str) for f in data["files"] for e in f["evidence"])
    assert list(idx.glob("*.sqlite")), "localize indexes the repository first"

    # Same answer from stdin, on the existing index.
    again = orch("localize", "--issue", "-", "--repo", str(shop_repo), "--top", "2", "--json", index_dir=idx,
                 stdin=TRACEBACK_ISSUE)
    assert json.loads(again.stdout) == data


def test_cli_table_and_errors(shop_repo: Path, tmp_path: Path) -> None:
    issue = tmp_path / "issue.md"
    issue.write_text("`Cart.total` ignores quantities")
    idx = tmp_path / "idx"
    out = orch("localize", "--issue", str(issue), "--repo", str(shop_repo), "--top", "1", index_dir=idx)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "files" and "shop/cart.py" in lines[1]
    assert "functions" in lines and "shop/cart.py:Cart.total" in out.stdout
    missing = orch("localize", "--issue", str(tmp_path / "nope.md"), "--repo", str(shop_repo), index_dir=idx)
    assert missing.returncode == 2 and "issue file not found" in missing.stderr
