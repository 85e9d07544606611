"""Coder driven by scripted models, editing a real local sandbox, reading the real graph."""

from __future__ import annotations

import sys

from script_helpers import action, call, observations

from agents import Coder, CoderInput

ISSUE = "page_count is 2 for 23 items with per_page=10; it must round up."
OLD = "        return self.count // self.per_page"
NEW = "        return -(-self.count // self.per_page)"
TASK = CoderInput(issue=ISSUE, goal="Round the page count up", targets=["Paginator.page_count"])


def test_good_coder_edits_runs_tests_and_finishes(scripted, pagekit_graph, sandbox) -> None:
    events: list = []
    model = scripted([
        call("find_symbol", name="page_count"),
        call("view_file", path="pagekit/paginator.py", start=36, end=42),
        call("replace_in_file", path="pagekit/paginator.py", old=OLD, new=NEW),
        call("run_command", command=f"{sys.executable} -m pytest -q tests"),
        call("show_diff"),
        call("finish", summary="round the page count up with ceiling division"),
    ], events=events)
    out = Coder(model, pagekit_graph, sandbox).run(TASK)
    assert out.status == "finished" and out.summary.startswith("round")
    assert "-        return self.count // self.per_page" in out.diff
    assert "+        return -(-self.count // self.per_page)" in out.diff
    obs = observations(events)
    assert all(ok for _, ok, _ in obs), obs
    assert "   39         \"\"\"Total number of pages.\"\"\"" in obs[1][2] or "Total number of pages" in obs[1][2]
    assert obs[3][2].startswith("[exit code 0")
    assert out.input_tokens > 0 and out.steps == 6


def test_edits_that_do_not_apply_come_back_as_observations(scripted, pagekit_graph, sandbox) -> None:
    events: list = []
    model = scripted([
        call("replace_in_file", path="pagekit/paginator.py", old="return self.count / self.per_page", new="x"),
        call("replace_in_file", path="pagekit/paginator.py", old="self.per_page", new="x"),
        call("finish", summary="nothing changed but I say it is done"),
        call("replace_in_file", path="pagekit/paginator.py", old=OLD, new=NEW),
        call("finish", summary="fixed"),
    ], events=events)
    out = Coder(model, pagekit_graph, sandbox).run(TASK)
    obs = observations(events)
    assert "does not occur in pagekit/paginator.py" in obs[0][2]
    assert "closest line is: 'return self.count // self.per_page'" in obs[0][2]
    assert "occurs 4 times" in obs[1][2]
    assert "no changes in the repository yet" in obs[2][2]
    # Three failures in a row would stop the coder; the fourth call succeeded in time.
    assert out.status == "too_many_failures" and out.diff == ""


def test_coder_recovers_when_failures_are_not_consecutive(scripted, pagekit_graph, sandbox) -> None:
    model = scripted([
        call("replace_in_file", path="pagekit/paginator.py", old="nope", new="x"),
        call("view_file", path="pagekit/paginator.py", start=40, end=41),
        call("replace_in_file", path="pagekit/paginator.py", old=OLD, new=NEW),
        call("finish", summary="fixed"),
    ])
    out = Coder(model, pagekit_graph, sandbox).run(TASK)
    assert out.status == "finished" and "+        return -(-self.count" in out.diff


def test_adversarial_paths_tools_and_arguments(scripted, pagekit_graph, sandbox) -> None:
    events: list = []
    model = scripted([
        call("view_file", path="../../../etc/passwd"),
        call("create_file", path="/tmp/evil.py", content="x"),
        call("view_file", path="pagekit/paginator.py", start="first"),
        call("create_file", path="pagekit/paginator.py", content="overwrite"),
        call("rm_rf", path="."),
        call("insert_lines", path="pagekit/paginator.py", line=999, text="x"),
        {"content": "let me think", "tool_calls": []},
    ], events=events)
    coder = Coder(model, pagekit_graph, sandbox)
    coder.limits = type(coder.limits)(max_steps=10, max_consecutive_failures=7, context_tokens=32_000)
    out = coder.run(TASK)
    obs = [text for _, _, text in observations(events)]
    assert "must be relative to the repository root" in obs[0]
    assert "must be relative to the repository root" in obs[1]
    assert "invalid arguments for view_file: start" in obs[2]
    assert "already exists" in obs[3]
    assert "unknown tool 'rm_rf'. Valid tools: search_code, find_symbol, callers, callees, file_skeleton, view_file" in obs[4]
    assert "cannot insert after line 999" in obs[5]
    assert "called no tool" in obs[6]
    assert out.status == "too_many_failures" and out.diff == ""
    assert sandbox.read_file("pagekit/paginator.py").count("def page_count") == 1


def test_coder_in_text_action_mode_and_step_limit(scripted, pagekit_graph, sandbox) -> None:
    model = scripted([action("file_skeleton", path="pagekit/links.py")] * 3, tool_calling=False)
    coder = Coder(model, pagekit_graph, sandbox)
    coder.limits = type(coder.limits)(max_steps=3)
    out = coder.run(TASK)
    assert out.status == "max_steps" and out.steps == 3


def test_multiple_tool_calls_in_one_reply_are_all_answered(scripted, pagekit_graph, sandbox) -> None:
    events: list = []
    model = scripted([
        {"tool_calls": [{"name": "replace_in_file", "args": {"path": "pagekit/paginator.py", "old": OLD, "new": NEW}},
                        {"name": "finish", "args": {"summary": "fixed in one go"}},
                        {"name": "show_diff", "args": {}}]},
    ], events=events)
    out = Coder(model, pagekit_graph, sandbox).run(TASK)
    assert out.status == "finished" and out.summary == "fixed in one go"
    # The call after finish was not run, but still answered (providers require it).
    assert [t for t, _, _ in observations(events)] == ["replace_in_file", "finish"]
