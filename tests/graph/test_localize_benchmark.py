"""The localization benchmark's gold bookkeeping: nested functions named the gold data's way, and
rows without function gold counted with the reason instead of silently left out."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "localization"
sys.path.insert(0, str(BENCH))

from dataset import why_no_function_gold  # noqa: E402
from metrics import Tally  # noqa: E402
from run import _gold_style  # noqa: E402

SOURCE = '''
def solve_generic(polys):
    def _solve_reduced_system(system):
        def deeper():
            return system
        return deeper()
    return _solve_reduced_system(polys)


class Response:
    def iter_content(self):
        def generate():
            yield b""
        return generate()

    def json(self):
        return {}
'''


def test_nested_functions_get_the_gold_datas_names(tmp_path: Path, graph_factory) -> None:
    (tmp_path / "m.py").write_text(SOURCE)
    g = graph_factory(tmp_path)
    g.index(tmp_path)
    ids = ["m.py:solve_generic", "m.py:solve_generic._solve_reduced_system",
           "m.py:solve_generic._solve_reduced_system.deeper", "m.py:Response.iter_content",
           "m.py:Response.iter_content.generate", "m.py:Response.json"]
    assert _gold_style(g, ids) == {
        # Nested in a top-level function: no class encloses it, so the gold id is its bare name.
        "m.py:solve_generic._solve_reduced_system": "m.py:_solve_reduced_system",
        "m.py:solve_generic._solve_reduced_system.deeper": "m.py:deeper",
        "m.py:Response.iter_content.generate": "m.py:Response.generate",
    }


ADDS_ONLY = """\
--- a/sympy/printing/str.py
+++ b/sympy/printing/str.py
@@ -10,3 +10,6 @@ class StrPrinter(Printer):
     def _print_Symbol(self, expr):
         return expr.name
+
+    def _print_Identity(self, expr):
+        return "I"
"""
CONSTANT = """\
--- a/src/_pytest/logging.py
+++ b/src/_pytest/logging.py
@@ -15,3 +15,3 @@
-DEFAULT_LOG_FORMAT = "%(filename)-25s %(lineno)4d %(levelname)-8s %(message)s"
+DEFAULT_LOG_FORMAT = "%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"
"""


def test_rows_without_function_gold_are_counted_with_the_reason() -> None:
    assert why_no_function_gold(ADDS_ONLY) == "adds functions"
    assert why_no_function_gold(CONSTANT) == "module or class-level code"
    t = Tally()
    t.add(["a.py"], ["a.py"], [], [], "adds functions")
    t.add(["a.py"], ["a.py"], [], [], "adds functions")
    t.add(["a.py"], ["a.py"], ["a.py:f"], ["a.py:f"])
    assert (t.n_files, t.n_funcs, t.without_funcs) == (3, 1, {"adds functions": 2})
