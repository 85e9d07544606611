"""Test-log parsers: pure functions from a test runner's output to {test name: status}.

Ported from the official SWE-bench harness (swebench/harness/log_parsers), so test names match
the dataset's FAIL_TO_PASS / PASS_TO_PASS strings exactly. A registry maps repositories to
parsers; user specs may name one with `log_parser:`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from harness.grading import TestStatus

StatusMap = dict[str, str]
Parser = Callable[[str], StatusMap]

_STATUSES = tuple(s.value for s in TestStatus)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\[(\d+)m")
_CTRL = str.maketrans("", "", "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t"))


def parse_log_pytest(log: str) -> StatusMap:
    """`pytest -rA` short summary lines: `PASSED tests/test_x.py::test_y`."""
    status: StatusMap = {}
    for line in log.split("\n"):
        if line.startswith(_STATUSES):
            if line.startswith(TestStatus.FAILED.value):
                line = line.replace(" - ", " ")
            parts = line.split()
            if len(parts) > 1:
                status[parts[1]] = parts[0]
    return status


_OPTION = re.compile(r"(.*?)\[(.*)\]")


def parse_log_pytest_options(log: str) -> StatusMap:
    """Like `parse_log_pytest`, but shortens parametrize ids that embed absolute paths."""
    status: StatusMap = {}
    for line in log.split("\n"):
        if line.startswith(_STATUSES):
            if line.startswith(TestStatus.FAILED.value):
                line = line.replace(" - ", " ")
            parts = line.split()
            if len(parts) <= 1:
                continue
            if m := _OPTION.search(parts[1]):
                main, option = m.groups()
                if option.startswith("/") and not option.startswith("//") and "*" not in option:
                    option = "/" + option.split("/")[-1]
                name = f"{main}[{option}]"
            else:
                name = parts[1]
            status[name] = parts[0]
    return status


def parse_log_pytest_v2(log: str) -> StatusMap:
    """pytest with colour codes stripped; also old pytest's `name STATUS` verbose lines."""
    status: StatusMap = {}
    for line in log.split("\n"):
        line = _ANSI.sub("", line).translate(_CTRL)
        if line.startswith(_STATUSES):
            if line.startswith(TestStatus.FAILED.value):
                line = line.replace(" - ", " ")
            parts = line.split()
            if len(parts) >= 2:
                status[parts[1]] = parts[0]
        elif line.endswith(_STATUSES):
            parts = line.split()
            if len(parts) >= 2:
                status[parts[0]] = parts[1]
    return status


def parse_log_matplotlib(log: str) -> StatusMap:
    status: StatusMap = {}
    for line in log.split("\n"):
        line = line.replace("MouseButton.LEFT", "1").replace("MouseButton.RIGHT", "3")
        if line.startswith(_STATUSES):
            if line.startswith(TestStatus.FAILED.value):
                line = line.replace(" - ", " ")
            parts = line.split()
            if len(parts) > 1:
                status[parts[1]] = parts[0]
    return status


def parse_log_seaborn(log: str) -> StatusMap:
    status: StatusMap = {}
    for line in log.split("\n"):
        if line.startswith(TestStatus.FAILED.value):
            parts = line.split()
            if len(parts) > 1:
                status[parts[1]] = TestStatus.FAILED.value
        elif f" {TestStatus.PASSED.value} " in line:
            parts = line.split()
            if len(parts) > 1 and parts[1] == TestStatus.PASSED.value:
                status[parts[0]] = TestStatus.PASSED.value
        elif line.startswith(TestStatus.PASSED.value):
            parts = line.split()
            if len(parts) > 1:
                status[parts[1]] = TestStatus.PASSED.value
    return status


def parse_log_django(log: str) -> StatusMap:
    """Django's runner at verbosity 2: `test_x (mod.Class) ... ok`, docstrings on their own line."""
    status: StatusMap = {}
    lines = log.split("\n")
    prev = ""
    for line in lines:
        line = line.strip()
        # a test whose docstring is printed prints "ok" alone on the next line
        if line == "ok" and prev:
            status[prev] = TestStatus.PASSED.value
        for suffix, value in ((" ... ok", "PASSED"), (" ... OK", "PASSED"), (" ...  OK", "PASSED")):
            if line.endswith(suffix):
                status[line[: -len(suffix)]] = value
        if " ... skipped" in line:
            status[line.split(" ... skipped")[0]] = TestStatus.SKIPPED.value
        if line.endswith(" ... FAIL"):
            status[line[: -len(" ... FAIL")]] = TestStatus.FAILED.value
        if line.startswith("FAIL:"):
            parts = line.split()
            if len(parts) > 1:
                status[" ".join(parts[1:3])] = TestStatus.FAILED.value
        if line.endswith(" ... ERROR"):
            status[line[: -len(" ... ERROR")]] = TestStatus.ERROR.value
        if line.startswith("ERROR:"):
            parts = line.split()
            if len(parts) > 1:
                status[" ".join(parts[1:3])] = TestStatus.ERROR.value
        if line.endswith(" ..."):
            prev = line[: -len(" ...")]
        elif line:
            prev = prev if line == "ok" else ""
    return status


_SYMPY_FAIL = re.compile(r"(_*) (.*)\.py:(.*) (_*)")


def parse_log_sympy(log: str) -> StatusMap:
    """sympy's bin/test --verbose: `test_name ok|F|E`; failure banners name `file.py:test`."""
    status: StatusMap = {}
    for m in _SYMPY_FAIL.findall(log):
        status[f"{m[1]}.py:{m[2]}"] = TestStatus.FAILED.value
    for line in log.split("\n"):
        line = line.strip()
        if line.startswith("test_"):
            name = line.split()[0]
            if line.endswith(" E"):
                status[name] = TestStatus.ERROR.value
            elif line.endswith(" F"):
                status[name] = TestStatus.FAILED.value
            elif line.endswith(" ok"):
                status[name] = TestStatus.PASSED.value
    return status


def parse_log_sphinx(log: str) -> StatusMap:
    return parse_log_pytest_v2(log)


PARSERS: dict[str, Parser] = {
    "pytest": parse_log_pytest,
    "pytest_options": parse_log_pytest_options,
    "pytest_v2": parse_log_pytest_v2,
    "matplotlib": parse_log_matplotlib,
    "seaborn": parse_log_seaborn,
    "django": parse_log_django,
    "sympy": parse_log_sympy,
    "sphinx": parse_log_sphinx,
}

#: Which parser the official harness uses for each SWE-bench repository.
REPO_PARSERS: dict[str, str] = {
    "astropy/astropy": "pytest_v2",
    "django/django": "django",
    "marshmallow-code/marshmallow": "pytest",
    "matplotlib/matplotlib": "matplotlib",
    "mwaskom/seaborn": "seaborn",
    "pallets/flask": "pytest",
    "psf/requests": "pytest_options",
    "pvlib/pvlib-python": "pytest",
    "pydata/xarray": "pytest",
    "pydicom/pydicom": "pytest_options",
    "pylint-dev/astroid": "pytest",
    "pylint-dev/pylint": "pytest_options",
    "pytest-dev/pytest": "pytest",
    "pyvista/pyvista": "pytest",
    "scikit-learn/scikit-learn": "pytest",
    "sphinx-doc/sphinx": "sphinx",
    "sqlfluff/sqlfluff": "pytest",
    "sympy/sympy": "sympy",
}


def parser_for(repo: str, name: str | None = None) -> Parser:
    """The parser named `name`, else the repository's official one, else pytest's."""
    key = name or REPO_PARSERS.get(repo, "pytest")
    try:
        return PARSERS[key]
    except KeyError:
        raise ValueError(f"unknown log parser {key!r} (known: {', '.join(sorted(PARSERS))})") from None
