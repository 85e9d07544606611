"""Tools' report lines (lint messages, pytest's session chrome) left out of the full-text query,
on literal data: the query loses them, frames still read them."""

from __future__ import annotations

from graph_index.localize.access import ViewAccess
from graph_index.localize.issue import extract, handed_callables, without_diagnostics
from graph_index.localize.literals import handed_literal
from graph_index.localize.locate import localize_with
from graph_index.localize.scoring import Weights
from graph_index.localize.view import RepoView, Symbol

PYLINT_RUN = """\
`--recursive=y` ignores `ignore-paths`

```shell
************* Module about
src\\gen\\about.py:12:0: C0103: Class name "Ui_AboutWidget" doesn't conform to snake_case naming style (invalid-name)
src/gen/about.py:24:8: W0201: Attribute 'ok_button' defined outside __init__ (attribute-defined-outside-init)
shop/cart.py:3:1: F401 'os' imported but unused
shop/cart.py:7: error: Incompatible return value type (got "int", expected "str")

Your code has been rated at -158.32/10
```
src\\gen\\* should not be checked
"""

PYTEST_RUN = """\
Wrong path shown when a fixture changes directory
```
============================= test session starts =============================
platform linux -- Python 3.7.5, pytest-5.3.2, py-1.8.1, pluggy-0.13.1
rootdir: /home/me/src/proj
plugins: allure-pytest-2.9.45
collecting ... collected 1 item
test_path_error.py F                                                     [100%]
test_statement.py::test_right_statement FAILED                           [100%]
================================== FAILURES ===================================
    def test_show_wrong_path(private_dir):
>       assert False
E       assert False

../test_path_error.py:29: AssertionError
=========================== short test summary info ===========================
============================== 1 failed in 0.03s ==============================
```
"""


def test_lint_messages_leave_the_query() -> None:
    out = without_diagnostics(PYLINT_RUN)
    for gone in ("Ui_AboutWidget", "ok_button", "imported but unused", "Incompatible return"):
        assert gone not in out
    # The issue's own words, pylint's module header and rating stay.
    for kept in ("`--recursive=y` ignores", "************* Module about", "rated at", "should not be checked"):
        assert kept in out


def test_pytest_session_chrome_leaves_the_query_but_frames_and_asserts_stay() -> None:
    out = without_diagnostics(PYTEST_RUN)
    for gone in ("test session starts", "platform linux", "rootdir:", "plugins:", "collected 1 item", "[100%]",
                 "FAILURES", "short test summary", "1 failed in"):
        assert gone not in out
    for kept in ("Wrong path shown", "def test_show_wrong_path", "E       assert False", "../test_path_error.py:29: AssertionError"):
        assert kept in out
    assert [f.path for f in extract(out).frames] == ["../test_path_error.py"]


def test_text_without_diagnostics_is_returned_as_is() -> None:
    text = "A = 1\n\nsee foo.py:12 and `x == y`\n====\nHeading\n"
    assert without_diagnostics(text) is text


class _Recording(ViewAccess):
    def __init__(self, view: RepoView) -> None:
        super().__init__(view)
        self.queries: list[str] = []

    def lexical_files(self, issue_text: str, k: int) -> dict[str, float]:
        self.queries.append(issue_text)
        return super().lexical_files(issue_text, k)


def _lint_view() -> RepoView:
    # `naming.py` holds the words of the lint output; `expand.py` those of the issue's own text.
    return RepoView(
        files={
            "lint/naming.py": "class name conform snake case naming style invalid attribute defined outside init",
            "lint/expand.py": "ignore paths recursive expand modules checked",
        },
        symbols={
            s.id: s
            for s in (
                Symbol("lint/naming.py:NamingStyle", "lint/naming.py", "NamingStyle", "NamingStyle", "class", 1, 9,
                       "class NamingStyle: conform snake case naming style invalid attribute defined outside"),
                Symbol("lint/expand.py:expand_modules", "lint/expand.py", "expand_modules", "expand_modules", "function", 1, 9,
                       "def expand_modules(files, ignore_paths, recursive)"),
            )
        },
    )


def test_localize_searches_without_the_lint_output() -> None:
    access = _Recording(_lint_view())
    loc = localize_with(access, PYLINT_RUN, top_k=2, weights=Weights(history=0.0))
    assert access.queries and all("ok_button" not in q and "C0103" not in q for q in access.queries)
    assert loc.files[0].path == "lint/expand.py"
    off = _Recording(_lint_view())
    loc = localize_with(off, PYLINT_RUN, top_k=2, weights=Weights(history=0.0, strip_diagnostics=False))
    assert any("ok_button" in q for q in off.queries)
    assert loc.files[0].path == "lint/naming.py"  # the lint output's words win when they stay


def test_warning_line_is_a_frame_even_behind_a_redacted_prefix() -> None:
    text = (
        "[redacted]/site-packages/pylint/reporters/text.py:206: UserWarning: Don't recognize the argument\n"
        "  warnings.warn(\n"
        "/usr/lib/python3.9/site-packages/shop/cart.py:12: DeprecationWarning: total is deprecated\n"
        "see notes.py:3: for more\n"
    )
    frames = extract(text).frames
    assert [(f.path, f.line, f.function) for f in frames] == [
        ("/site-packages/pylint/reporters/text.py", 206, None),
        ("/usr/lib/python3.9/site-packages/shop/cart.py", 12, None),  # once, though pytest-style too
    ]  # prose naming `notes.py:3:` is no frame
    assert [f.index for f in frames] == [0, 1]


def test_warning_line_points_at_its_file() -> None:
    view = RepoView(
        files={"pkg/reporters/text.py": "report", "pkg/config.py": "template message argument"},
        symbols={},
    )
    text = "Custom braces in a message template\n\n[redacted]/site-packages/pkg/reporters/text.py:206: UserWarning: Don't recognize the argument\n"
    loc = localize_with(ViewAccess(view), text, top_k=2, weights=Weights(history=0.0))
    assert loc.files[0].path == "pkg/reporters/text.py"
    assert any("traceback frame" in note for note in loc.files[0].evidence)


ARGPARSE_TO_RE = """\
Traceback (most recent call last):
  File "/venv/lib/python3.9/site-packages/shop/config.py", line 244, in parse
    self.config, parsed = self._parser.parse_known_args(args)
  File "/usr/lib/python3.9/argparse.py", line 1858, in parse_known_args
    namespace, args = self._parse_known_args(args, namespace)
  File "/usr/lib/python3.9/argparse.py", line 2483, in _parse_known_args
    result = type_func(arg_string)
  File "/usr/lib/python3.9/re.py", line 252, in compile
    return _compile(pattern, flags)
  File "/usr/lib/python3.9/re.py", line 304, in _compile
    p = sre_compile.compile(pattern, flags)
    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3.9/sre_compile.py", line 788, in compile
    p = sre_parse.parse(p, flags)
re.error: bad escape \\p at position 1
"""


def test_a_callable_a_library_calls_back_under_another_name_was_handed_over() -> None:
    # `type_func(...)` entering `re.compile`: handed over; every other frame is entered by its name
    # (carets under a line do not part two frames).
    handed = handed_callables(ARGPARSE_TO_RE)
    assert [(h.name, h.path) for h in handed] == [("re.compile", "/usr/lib/python3.9/re.py")]
    pkg = 'File "a.py", line 1, in f\n    hook(x)\n  File "/lib/pkg/__init__.py", line 2, in load\n    y\n'
    assert [h.name for h in handed_callables(pkg)] == ["pkg.load"]
    # Frames of two tracebacks, a dunder callee: no hand-over.
    assert handed_callables('File "a.py", line 1, in f\n    g(x)\n\nDuring handling\n\nFile "b.py", line 2, in h\n    y\n') == []
    assert handed_callables('File "a.py", line 1, in f\n    obj(x)\n  File "b.py", line 2, in __call__\n    y\n') == []
    assert handed_literal("re.compile").patterns == ("re.compile,", "re.compile)", "=re.compile")


def test_the_file_that_hands_the_callable_over_ranks() -> None:
    view = RepoView(
        files={
            "shop/config.py": "def parse(self, args): self._parser.parse_known_args(args)",
            "shop/argument.py": 'import re\n_TYPES = {"regexp": re.compile, "csv": split_csv}\n',
            "shop/patterns.py": "import re\nBAD = re.compile(r'bad escape at position')\n",
        },
    )
    loc = localize_with(ViewAccess(view), ARGPARSE_TO_RE, top_k=3, weights=Weights(history=0.0))
    assert [f.path for f in loc.files][:2] == ["shop/config.py", "shop/argument.py"]
    assert any("re.compile passed as a value" in note for note in loc.files[1].evidence)
