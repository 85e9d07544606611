"""Pure logic of the agents package: action parsing, context fitting, diffs, plan validation, prompts."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agents import FormatError, parse_reply, parse_text_action
from agents.budget import estimate_prompt_tokens
from agents.diffs import is_test_path, parse_diff
from agents.loop import _ELIDED, _fit_context
from agents.prompting import render


def test_text_action_parsing_good_and_bad() -> None:
    a = parse_text_action('blah\n```action\n{"tool": "x", "args": {"n": 1}}\n```\n')
    assert (a.name, a.args) == ("x", {"n": 1})
    assert parse_text_action('```json\n{"name": "y", "arguments": {}}\n```').name == "y"
    for text, needle in [
        ("no block", "no action block found"),
        ('```action\n{"tool": "x"\n```', "not valid JSON"),
        ('```action\n["x"]\n```', "must be a JSON object"),
        ('```action\n{"args": {}}\n```', 'needs a "tool" name'),
        ('```action\n{"tool": "x", "args": [1]}\n```', '"args" must be a JSON object'),
        ('```action\n{"tool": "a"}\n```\n```action\n{"tool": "b"}\n```', "one action per reply"),
    ]:
        with pytest.raises(FormatError, match=needle):
            parse_text_action(text)


def test_native_mode_accepts_a_text_block_when_no_tool_was_called() -> None:
    msg = AIMessage(content='```action\n{"tool": "x", "args": {}}\n```')
    assert parse_reply(msg, native_tools=True)[0].name == "x"


def test_context_fitting_elides_oldest_observations_only() -> None:
    big = "y" * 3000
    msgs = [SystemMessage("s" * 300), HumanMessage("task " * 100)]
    for i in range(6):
        msgs += [AIMessage(content="", tool_calls=[{"name": "t", "args": {}, "id": f"c{i}"}]),
                 ToolMessage(big, tool_call_id=f"c{i}")]
    before = estimate_prompt_tokens(msgs)
    _fit_context(msgs, before // 2)
    assert estimate_prompt_tokens(msgs) <= before // 2
    assert msgs[0].content == "s" * 300 and msgs[1].content.startswith("task")
    assert msgs[-1].content == big  # the latest observation is kept
    assert msgs[3].content == _ELIDED


def test_parse_diff_and_test_paths() -> None:
    diff = ("diff --git a/pkg/m.py b/pkg/m.py\n--- a/pkg/m.py\n+++ b/pkg/m.py\n@@ -10,0 +11,2 @@\n+a\n+b\n"
            "diff --git a/tests/test_m.py b/tests/test_m.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/test_m.py\n"
            "@@ -0,0 +1 @@\n+def test_x(): pass\n")
    [src, test] = parse_diff(diff)
    assert src.path == "pkg/m.py" and src.old_spans == [(10, 10)] and [t for _, t in src.added] == ["a", "b"]
    assert test.new_file and test.path == "tests/test_m.py"
    assert all(is_test_path(p) for p in ["tests/a.py", "pkg/test_a.py", "a_test.go", "src/x.test.js", "conftest.py"])
    assert not any(is_test_path(p) for p in ["pkg/testing_utils_x.py", "src/contest.py", "latest.py"])


def test_prompts_fail_on_missing_variables() -> None:
    with pytest.raises(UndefinedError):
        render("coder_task.j2", issue="x")
    text = render("coder_task.j2", issue="I", goal="G", targets=[], acceptance="", reproduction=None, feedback=["f1"])
    assert "# Feedback you must address\n- f1" in text
