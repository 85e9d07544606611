"""The agent loop over the real OpenAI client against the loopback server: hallucinated tool
names and arguments that fail validation reach the model as observations with valid choices."""

from __future__ import annotations

from loopback_openai import CHAT_PRESETS, FakeOpenAI, completion, ok, response
from pydantic import BaseModel

from agents import (
    BudgetLimits,
    Finish,
    LoopLimits,
    ModelSettings,
    RunBudget,
    Tool,
    ToolBox,
    build_model_client,
    run_agent,
)


class AddArgs(BaseModel):
    a: int
    b: int


class DoneArgs(BaseModel):
    answer: int


def toolbox() -> ToolBox:
    return ToolBox([Tool("add", "Add two integers.", AddArgs, lambda x: str(x.a + x.b)),
                    Tool("done", "Submit the answer.", DoneArgs, lambda x: Finish(x.answer))])


def client(server: FakeOpenAI, name: str = "openai:chat-test", presets_file: str = CHAT_PRESETS):
    s = ModelSettings(name=name, base_url=server.base_url, max_retries=0, timeout=5, presets_file=presets_file)
    return build_model_client(s, RunBudget(BudgetLimits()), env={"OPENAI_API_KEY": "sk-test"})


def test_unknown_tool_and_invalid_arguments_become_observations(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [
        ok(completion(tool_calls=[("multiply", {"a": 2, "b": 3})])),
        ok(completion(tool_calls=[("add", {"a": "two", "b": 3})])),
        ok(completion(tool_calls=[("add", '{"a": 2, "b": ')])),  # arguments that are not JSON
        ok(completion(tool_calls=[("add", {"a": 2, "b": 3})])),
        ok(completion(tool_calls=[("done", {"answer": 5})])),
    ]
    result = run_agent(client(openai_server), toolbox(), role="test", system="sys", task="add 2 and 3",
                       limits=LoopLimits(max_consecutive_failures=4))
    assert result.status == "finished" and result.value == 5 and result.steps == 5
    tool_msgs = [[m for m in r["json"]["messages"] if m["role"] == "tool"] for r in openai_server.requests]
    assert "unknown tool 'multiply'. Valid tools: add, done" in tool_msgs[1][-1]["content"]
    assert "invalid arguments for add: a: Input should be a valid integer" in tool_msgs[2][-1]["content"]
    assert "was malformed: arguments are not valid JSON" in tool_msgs[3][-1]["content"]
    assert tool_msgs[4][-1]["content"] == "5"
    # Every tool call was answered with its own id, as the API requires.
    assert [m["tool_call_id"] for m in tool_msgs[4]] == ["call_0"] * 4
    assert result.input_tokens == 5 * 11 and result.output_tokens == 5 * 7


def test_consecutive_failures_stop_with_a_clear_status(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [ok(completion(tool_calls=[("nope", {})])) for _ in range(3)]
    result = run_agent(client(openai_server), toolbox(), role="test", system="sys", task="t")
    assert result.status == "too_many_failures" and result.steps == 3
    assert "unknown tool 'nope'" in result.last_error


def test_text_fallback_over_http(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [
        ok(completion(content="I will add.\n```action\n{\"tool\": \"add\", \"args\": {\"a\": 1, \"b\": 2}}\n```")),
        ok(completion(content="no block here")),
        ok(completion(content="```action\n{\"tool\": \"done\", \"args\": {\"answer\": 3}}\n```")),
    ]
    result = run_agent(client(openai_server, "openai:local-text-only"), toolbox(), role="test", system="sys", task="t")
    assert result.status == "finished" and result.value == 3
    first = openai_server.requests[0]["json"]
    assert "tools" not in first and "```action" in first["messages"][0]["content"]
    assert "- add: Add two integers." in first["messages"][0]["content"]
    last = openai_server.requests[2]["json"]["messages"]
    assert last[-1]["role"] == "user" and "no action block found" in last[-1]["content"]


def test_budget_consecutive_failures_setting_reaches_the_loop(openai_server: FakeOpenAI) -> None:
    from agents import BudgetSettings

    openai_server.queue += [ok(completion(tool_calls=[("nope", {})])) for _ in range(2)]
    s = ModelSettings(name="openai:chat-test", base_url=openai_server.base_url, max_retries=0, timeout=5,
                      presets_file=CHAT_PRESETS)
    c = build_model_client(s, BudgetSettings(consecutive_failures=2), env={"OPENAI_API_KEY": "sk-test"})
    result = run_agent(c.for_role("x"), toolbox(), role="x", system="s", task="t", limits=LoopLimits(max_consecutive_failures=9))
    assert result.status == "too_many_failures" and result.steps == 2


def test_loop_over_the_responses_api(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [
        ok(response(text="Adding.", tool_calls=[("add", {"a": 2, "b": 3})])),
        ok(response(tool_calls=[("add", {"a": "two", "b": 3})])),
        ok(response(tool_calls=[("done", {"answer": 5})])),
    ]
    result = run_agent(client(openai_server, "openai:gpt-6-luna", "models.yaml"), toolbox(), role="test",
                       system="sys", task="add 2 and 3")
    assert result.status == "finished" and result.value == 5 and result.steps == 3
    assert {r["path"] for r in openai_server.requests} == {"/v1/responses"}
    outputs = [[i for i in r["json"]["input"] if i.get("type") == "function_call_output"] for r in openai_server.requests]
    # Each call's observation went back under its own id, the failed one included.
    assert [o["call_id"] for o in outputs[2]] == ["call_0", "call_0"] and outputs[2][0]["output"] == "5"
    assert "invalid arguments for add: a: Input should be a valid integer" in outputs[2][1]["output"]
