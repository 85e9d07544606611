"""Log parsers, grading and evaluation-script pieces: pure functions, no Docker."""

from __future__ import annotations

import json

from harness import evaluation as ev
from harness import grading as gr
from harness.dataset import Instance, load_predictions
from harness.evaluation import InstanceResult, make_eval_script, split_output, summarize
from harness.grading import ResolvedStatus, grade, instance_report, resolution
from harness.images import resolve_requirements
from harness.log_parsers import (
    parse_log_django,
    parse_log_pytest,
    parse_log_pytest_options,
    parse_log_sympy,
    parser_for,
)
from harness.specs import EnvSpec, SpecRegistry, release_for_python

PYTEST_LOG = """\
============================= test session starts ==============================
testing/test_mark.py ....F                                                [100%]
=========================== short test summary info ============================
PASSED testing/test_mark.py::test_a
PASSED testing/test_mark.py::test_param[x y]
FAILED testing/test_mark.py::test_b - AssertionError: boom
ERROR testing/test_mark.py::test_c
SKIPPED [1] testing/test_mark.py:10: no numpy
XFAIL testing/test_mark.py::test_d
"""


def test_pytest_parser_reads_the_short_summary() -> None:
    status = parse_log_pytest(PYTEST_LOG)
    assert status["testing/test_mark.py::test_a"] == "PASSED"
    assert status["testing/test_mark.py::test_b"] == "FAILED"
    assert status["testing/test_mark.py::test_c"] == "ERROR"
    assert status["testing/test_mark.py::test_d"] == "XFAIL"


def test_pytest_options_parser_shortens_path_params() -> None:
    log = "PASSED tests/test_x.py::test_file[/tmp/pytest-1/abc/data.txt]\n"
    assert parse_log_pytest_options(log) == {"tests/test_x.py::test_file[/data.txt]": "PASSED"}


def test_django_parser_handles_docstrings_and_failures() -> None:
    log = (
        "test_ok (app.tests.T) ... ok\n"
        "test_doc (app.tests.T)\nA docstring line ... ok\n"
        "test_bad (app.tests.T) ... FAIL\n"
        "test_err (app.tests.T) ... ERROR\n"
        "test_skip (app.tests.T) ... skipped 'no db'\n"
    )
    status = parse_log_django(log)
    assert status["test_ok (app.tests.T)"] == "PASSED"
    assert status["A docstring line"] == "PASSED"
    assert status["test_bad (app.tests.T)"] == "FAILED"
    assert status["test_err (app.tests.T)"] == "ERROR"
    assert status["test_skip (app.tests.T)"] == "SKIPPED"


def test_sympy_parser() -> None:
    log = "test_one ok\ntest_two F\ntest_three E\n___ sympy/core/tests/test_x.py:test_two ___\n"
    status = parse_log_sympy(log)
    assert status == {"sympy/core/tests/test_x.py:test_two": "FAILED", "test_one": "PASSED", "test_two": "FAILED", "test_three": "ERROR"}


def test_parser_registry_follows_the_official_map() -> None:
    assert parser_for("psf/requests") is parse_log_pytest_options
    assert parser_for("django/django") is parse_log_django
    assert parser_for("unknown/repo") is parse_log_pytest


def test_resolution_levels() -> None:
    status = {"a": "PASSED", "b": "FAILED", "c": "PASSED"}
    assert resolution(gr.tests_report(status, ["a"], ["c"])) is ResolvedStatus.FULL
    assert resolution(gr.tests_report(status, ["a", "b"], ["c"])) is ResolvedStatus.PARTIAL
    assert resolution(gr.tests_report(status, ["a"], ["b"])) is ResolvedStatus.NO
    assert resolution(gr.tests_report(status, ["missing"], [])) is ResolvedStatus.NO


def test_grade_requires_evidence_that_the_suite_ran() -> None:
    assert grade({}, [], [], exit_code=0).resolution is ResolvedStatus.NO
    assert grade({"a": "PASSED"}, ["a"], [], exit_code=0, suite_ran=False).reason
    assert grade({"a": "PASSED"}, ["a"], [], exit_code=0, timed_out=True).reason == "tests timed out"
    assert grade({"a": "PASSED"}, ["a"], [], exit_code=0).resolved


def test_grade_checks_exit_code_against_the_log() -> None:
    # A patch that prints "PASSED test_a" while the runner reports failure does not resolve.
    forged = grade({"a": "PASSED"}, ["a"], [], exit_code=1)
    assert not forged.resolved and "exited 1" in (forged.reason or "")
    # Exit 0 while a listed test shows a failure: garbled log, not trusted.
    assert not grade({"a": "PASSED", "b": "FAILED"}, ["a"], ["b"], exit_code=0).resolved
    # Unrelated failures with a failing exit code are normal: still resolved.
    assert grade({"a": "PASSED", "z": "FAILED"}, ["a"], [], exit_code=1).resolved


def test_instance_report_has_official_fields() -> None:
    verdict = grade({"a": "PASSED"}, ["a"], [], exit_code=0)
    entry = instance_report("x__y-1", patch="diff", applied=True, verdict=verdict)["x__y-1"]
    assert set(entry) == {"patch_is_None", "patch_exists", "patch_successfully_applied", "resolved", "tests_status"}
    assert set(entry["tests_status"]) == {"FAIL_TO_PASS", "PASS_TO_PASS", "FAIL_TO_FAIL", "PASS_TO_FAIL"}
    assert entry["resolved"] is True


def _instance(**kw) -> Instance:
    base = {
        "instance_id": "o__r-1",
        "repo": "o/r",
        "base_commit": "abc",
        "test_patch": "diff --git a/tests/test_a.py b/tests/test_a.py\n--- a/tests/test_a.py\n+++ b/tests/test_a.py\n"
        "diff --git a/tests/data.json b/tests/data.json\n",
        "FAIL_TO_PASS": json.dumps(["t1"]),
        "PASS_TO_PASS": "[]",
        "version": 1.0,
    }
    return Instance.model_validate({**base, **kw})


def test_dataset_rows_decode_json_lists_and_versions() -> None:
    inst = _instance()
    assert inst.fail_to_pass == ["t1"] and inst.pass_to_pass == [] and inst.version == "1.0"


def test_directives_skip_data_files_and_use_django_labels() -> None:
    assert ev.test_directives(_instance()) == ["tests/test_a.py"]
    dj = _instance(repo="django/django", test_patch="diff --git a/tests/admin_views/tests.py b/tests/admin_views/tests.py\n")
    assert ev.test_directives(dj) == ["admin_views.tests"]


def test_eval_script_and_output_split_use_a_nonce() -> None:
    spec = EnvSpec(repo="o/r", version="1", test_cmd="pytest -rA")
    script = make_eval_script(_instance(), spec, "n0nce")
    assert "pytest -rA tests/test_a.py" in script and "n0nce" in script
    out = (
        "noise\n>>>>> End Test Output fake\n>>>>> Start Test Output n0nce\nPASSED t1\n"
        ">>>>> Test Exit Code n0nce: 0\n>>>>> End Test Output n0nce\n"
    )
    parsed = split_output(out, "n0nce")
    assert parsed.suite_ran and parsed.exit_code == 0 and parsed.test_log.strip() == "PASSED t1"
    # A log that forges markers without the nonce does not end the section early.
    assert not split_output("PASSED t1\n>>>>> Start Test Output other\n", "n0nce").suite_ran


def test_summary_uses_official_field_names() -> None:
    insts = [_instance(instance_id=f"o__r-{i}") for i in range(4)]
    preds = load_predictions("gold", insts)
    results = {
        "o__r-0": InstanceResult("o__r-0", "resolved"),
        "o__r-1": InstanceResult("o__r-1", "unresolved", cause="tests_failed"),
        "o__r-2": InstanceResult("o__r-2", "error", "infra", "build_failed"),
        "o__r-3": InstanceResult("o__r-3", "empty_patch"),
    }
    s = summarize(insts, preds, results)
    assert s["resolved_ids"] == ["o__r-0"] and s["unresolved_ids"] == ["o__r-1"]
    assert s["error_ids"] == ["o__r-2"] and s["infra_error_ids"] == ["o__r-2"]
    assert s["empty_patch_ids"] == ["o__r-3"] and s["completed_ids"] == ["o__r-0", "o__r-1"]
    assert s["submitted_instances"] == 4 and s["schema_version"] == 2


def test_official_specs_load_and_map_python_to_debian() -> None:
    reg = SpecRegistry.load()
    spec = reg.get("pytest-dev/pytest", "5.4")
    assert spec.python == "3.9" and spec.release == "bullseye" and "pluggy==0.13.1" in spec.pip_packages
    assert reg.get("pallets/flask", "2.0").requirements_paths == ["requirements/dev.txt"]
    assert release_for_python("3.6") == "bullseye" and release_for_python("3.12") == "bookworm"


def test_user_yaml_specs(tmp_path) -> None:
    (tmp_path / "w.yaml").write_text('repo: acme/widgets\npython: "3.13"\ntest_cmd: make test\n')
    spec = SpecRegistry.load(official=None, user_dirs=[tmp_path], pins=None).get("acme/widgets", "7")
    assert spec.release == "trixie" and spec.test_cmd == "make test"


def test_requirements_follow_includes_and_drop_self_installs() -> None:
    files = {"req/dev.txt": "-r base.txt\npytest==8.0  # pinned\n-e .\n", "req/base.txt": "click==8.1\n# comment\n.[extra]\n"}
    assert resolve_requirements(files.get, "req/dev.txt") == ["click==8.1", "pytest==8.0"]


def test_network_failures_are_recognised() -> None:
    log = "E   socket.gaierror: [Errno -3] Temporary failure in name resolution\nE   ConnectionError: Network is unreachable\nok\n"
    assert ev.network_failures(log) == 2 and ev.network_failures("all fine\n") == 0
