"""Tester: reproduction tests confirmed by execution in a real local sandbox; regression test
selection through the real graph's TESTS/CALLS edges; per-test results."""

from __future__ import annotations

import sys

from script_helpers import call, observations

from agents import ReproduceInput, Tester, parse_pytest
from agents.roles.tester import select_regression_tests

PY = sys.executable
ISSUE = "With 23 items and per_page=10, Paginator.page_count is 2; it should be 3."
REPRO = """from pagekit import Paginator


def test_partial_last_page_counts():
    assert Paginator(list(range(23)), per_page=10).page_count == 3
"""
PASSING = """from pagekit import Paginator


def test_exact():
    assert Paginator(list(range(20)), per_page=10).page_count == 2
"""
FIX = ("pagekit/paginator.py", "        return self.count // self.per_page", "        return -(-self.count // self.per_page)")


def cmd(path: str) -> str:
    return f"{PY} -m pytest -rA -q -p no:cacheprovider {path}"


def make_tester(model, graph, sandbox) -> Tester:
    return Tester(model, graph, sandbox, python=PY)


def test_good_reproduction_is_confirmed_to_fail(scripted, pagekit_graph, sandbox) -> None:
    model = scripted([
        call("create_file", path="tests/test_issue_repro.py", content=REPRO),
        call("run_command", command=cmd("tests/test_issue_repro.py")),
        call("submit_reproduction", test_path="tests/test_issue_repro.py", command=cmd("tests/test_issue_repro.py")),
    ])
    out = make_tester(model, pagekit_graph, sandbox).reproduce(ReproduceInput(issue=ISSUE))
    assert out.status == "finished"
    r = out.reproduction
    assert r.failed_before and r.test_path == "tests/test_issue_repro.py" and r.content == REPRO
    assert "FAILED tests/test_issue_repro.py::test_partial_last_page_counts" in r.output_before


def test_bad_reproductions_are_sent_back(scripted, pagekit_graph, sandbox) -> None:
    events: list = []
    model = scripted([
        # passes on the unmodified code: not a reproduction
        call("create_file", path="tests/test_pass.py", content=PASSING),
        call("submit_reproduction", test_path="tests/test_pass.py", command=cmd("tests/test_pass.py")),
        # does not even import: fails, but proves nothing
        call("create_file", path="tests/test_broken.py", content="from pagekit import Nope\n\ndef test_x():\n    pass\n"),
        call("submit_reproduction", test_path="tests/test_broken.py", command=cmd("tests/test_broken.py")),
        # a good one
        call("create_file", path="tests/test_issue_repro.py", content=REPRO),
        call("submit_reproduction", test_path="tests/test_issue_repro.py", command=cmd("tests/test_issue_repro.py")),
    ], events=events)
    out = make_tester(model, pagekit_graph, sandbox).reproduce(ReproduceInput(issue=ISSUE))
    obs = observations(events)
    assert "PASSES on the unmodified code" in obs[1][2]
    assert "did not run" in obs[3][2] and "ImportError while importing test module" in obs[3][2]
    assert out.status == "finished" and out.reproduction.test_path == "tests/test_issue_repro.py"


def test_adversarial_reproductions_are_refused(scripted, pagekit_graph, sandbox) -> None:
    events: list = []
    model = scripted([
        call("create_file", path="tests/test_issue_repro.py", content=REPRO),
        # a command that fails without running the test
        call("submit_reproduction", test_path="tests/test_issue_repro.py", command="exit 1"),
        # "fix" the code while claiming a reproduction: the test would no longer prove the bug
        call("replace_in_file", path=FIX[0], old=FIX[1], new=FIX[2]),
        call("submit_reproduction", test_path="tests/test_issue_repro.py", command=cmd("tests/test_issue_repro.py")),
        call("submit_reproduction", test_path="pagekit/paginator.py", command=cmd("pagekit/paginator.py")),
    ], events=events)
    t = make_tester(model, pagekit_graph, sandbox)
    t.limits = type(t.limits)(max_steps=10, max_consecutive_failures=2)
    out = t.reproduce(ReproduceInput(issue=ISSUE))
    obs = observations(events)
    assert "the command must run tests/test_issue_repro.py" in obs[1][2]
    assert "non-test files were changed (pagekit/paginator.py)" in obs[3][2]
    assert "does not look like a test file" in obs[4][2]
    assert out.status == "too_many_failures" and out.reproduction is None


def test_regression_tests_are_selected_through_the_graph(pagekit_graph) -> None:
    ids = [n.id for n in select_regression_tests(pagekit_graph, ["pagekit/paginator.py:Paginator.page_count"])]
    # Tests that build a Paginator (TESTS/CALLS to the class that owns page_count) and the
    # page_links tests (page_links reads page_count) are selected.
    assert "tests/test_paginator.py:PaginatorTests.test_exact_multiple" in ids
    assert any(i.startswith("tests/test_links.py:") for i in ids)
    assert select_regression_tests(pagekit_graph, ["pagekit/paginator.py:Paginator.page_count"],
                                   exclude_paths=["tests/test_links.py", "tests/test_paginator.py"]) == []


def test_validate_runs_reproduction_and_regressions_with_per_test_results(scripted, pagekit_graph, sandbox) -> None:
    model = scripted([
        call("create_file", path="tests/test_issue_repro.py", content=REPRO),
        call("submit_reproduction", test_path="tests/test_issue_repro.py", command=cmd("tests/test_issue_repro.py")),
    ])
    t = make_tester(model, pagekit_graph, sandbox)
    repro = t.reproduce(ReproduceInput(issue=ISSUE)).reproduction
    text = sandbox.read_file(FIX[0])
    sandbox.write_file(FIX[0], text.replace(FIX[1], FIX[2]))
    diff = sandbox.diff()
    assert t.regression_tests(diff, [repro.test_path])
    reports = t.validate(repro, diff)
    assert [r.name for r in reports] == ["reproduction", "regression"]
    assert all(r.passed for r in reports), [r.output for r in reports]
    statuses = {r.test: r.status for r in reports[1].results}
    assert statuses["tests/test_paginator.py::PaginatorTests::test_exact_multiple"] == "passed"
    # A regression the fix breaks shows up per test.
    sandbox.write_file(FIX[0], text.replace(FIX[1], "        return 99"))
    broken = t.validate(repro, sandbox.diff())
    assert not broken[1].passed
    assert "tests/test_paginator.py::PaginatorTests::test_exact_multiple" in broken[1].failing()


def test_parse_pytest_summary_and_verbose_lines() -> None:
    out = ("tests/a.py::test_one PASSED [ 50%]\n"
           "PASSED tests/a.py::test_one\nFAILED tests/a.py::test_two - AssertionError: x\n"
           "ERROR tests/b.py::test_three\nSKIPPED [1] tests/c.py:3: no\nXFAIL tests/a.py::test_four\n")
    got = {r.test: r.status for r in parse_pytest(out)}
    assert got == {"tests/a.py::test_one": "passed", "tests/a.py::test_two": "failed",
                   "tests/b.py::test_three": "error", "[1]": "skipped", "tests/a.py::test_four": "skipped"}
