"""The real LangChain/OpenAI client code path against a loopback OpenAI-compatible server."""

from __future__ import annotations

import datetime
import sys

import pytest
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from loopback_openai import CHAT_PRESETS, FakeOpenAI, completion, error, ok, raw, response, slow

from agents import (
    BudgetLimits,
    MissingApiKey,
    ModelCallError,
    ModelConfigError,
    ModelSettings,
    RunBudget,
    build_model_client,
    load_presets,
    parse_reply,
)
from agents.client import RetryPolicy

TOOLS = [{"type": "function", "function": {"name": "view_file", "description": "Show a file",
          "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}}]


def client_for(server: FakeOpenAI, name: str = "openai:chat-test", **settings):
    s = ModelSettings(name=name, base_url=server.base_url, timeout=settings.pop("timeout", 5.0),
                      max_retries=settings.pop("max_retries", 2),
                      presets_file=settings.pop("presets_file", CHAT_PRESETS), **settings)
    c = build_model_client(s, RunBudget(BudgetLimits()), env={"OPENAI_API_KEY": "sk-test"})
    c.sleep = lambda _s: None  # backoff is asserted through RetryPolicy, not waited out
    return c


MSGS = [SystemMessage("you are a test"), HumanMessage("look at a.py")]


def test_tool_call_round_trip_and_usage(openai_server: FakeOpenAI) -> None:
    openai_server.queue.append(ok(completion(tool_calls=[("view_file", {"path": "a.py"})],
                                             prompt_tokens=1200, completion_tokens=300)))
    c = client_for(openai_server)
    reply = c.complete(MSGS, TOOLS)
    actions = parse_reply(reply.message, native_tools=True)
    assert [(a.name, a.args) for a in actions] == [("view_file", {"path": "a.py"})]
    sent = openai_server.requests[0]["json"]
    assert sent["tools"][0]["function"]["name"] == "view_file"
    assert openai_server.requests[0]["auth"] == "Bearer sk-test"
    # chat-test: $0.40 / $1.60 per 1M tokens
    assert (reply.input_tokens, reply.output_tokens, reply.usage_estimated) == (1200, 300, False)
    assert reply.cost_usd == pytest.approx((1200 * 0.40 + 300 * 1.60) / 1e6, rel=1e-12)
    assert reply.spend.steps == 1 and reply.spend.tokens == 1500


def test_text_fallback_model_gets_no_tools_and_its_action_block_parses(openai_server: FakeOpenAI) -> None:
    text = 'I will look.\n```action\n{"tool": "view_file", "args": {"path": "b.py"}}\n```'
    openai_server.queue.append(ok(completion(content=text)))
    c = client_for(openai_server, name="openai:local-text-only")
    reply = c.complete(MSGS, TOOLS)
    assert "tools" not in openai_server.requests[0]["json"]
    [action] = parse_reply(reply.message, native_tools=c.supports_tools)
    assert (action.name, action.args) == ("view_file", {"path": "b.py"})


def test_429_then_success_retries_with_backoff(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [error(429, "slow down", {"retry-after": "2"}), ok(completion(content="done"))]
    c = client_for(openai_server)
    waits: list[float] = []
    c.sleep = waits.append
    events = []
    c.hooks.append(events.append)
    reply = c.complete(MSGS)
    assert reply.message.content == "done"
    assert len(openai_server.requests) == 2
    assert waits == [2.0]  # Retry-After honoured (above the 1 s first backoff)
    assert [(e.ok, e.attempt) for e in events] == [(False, 1), (True, 2)]
    assert "HTTP 429" in events[0].error
    assert reply.spend.steps == 1  # a refused attempt is not a step


def test_500_until_retries_run_out_is_one_clear_error(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [error(500), error(502), error(503)]
    c = client_for(openai_server, max_retries=2)
    with pytest.raises(ModelCallError, match=r"failed after 3 attempt\(s\) \(retries exhausted\): HTTP 503") as info:
        c.complete(MSGS)
    assert info.value.attempts == 3 and len(openai_server.requests) == 3
    assert c.budget.usage().steps == 0


def test_400_is_not_retried(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [error(400, "bad request"), ok(completion(content="never"))]
    with pytest.raises(ModelCallError, match="not retryable"):
        client_for(openai_server).complete(MSGS)
    assert len(openai_server.requests) == 1


def test_timeout_then_success(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [slow(3.0, completion(content="late")), ok(completion(content="on time"))]
    c = client_for(openai_server, timeout=0.5)
    reply = c.complete(MSGS)
    assert reply.message.content == "on time"


def test_timeouts_every_time_end_in_model_call_error(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [slow(3.0, completion(content="late")) for _ in range(2)]
    with pytest.raises(ModelCallError, match="Timeout"):
        client_for(openai_server, timeout=0.4, max_retries=1).complete(MSGS)


def test_malformed_json_is_retried_then_reported(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [raw("<html>bad gateway</html>"), ok(completion(content="fine"))]
    assert client_for(openai_server).complete(MSGS).message.content == "fine"
    openai_server.queue += [raw("{not json") for _ in range(3)]
    with pytest.raises(ModelCallError, match="malformed response"):
        client_for(openai_server, max_retries=2).complete(MSGS)


def test_tool_arguments_that_are_not_json_become_an_errored_action(openai_server: FakeOpenAI) -> None:
    openai_server.queue.append(ok(completion(tool_calls=[("view_file", '{"path": "a.py"')])))
    reply = client_for(openai_server).complete(MSGS, TOOLS)
    [action] = parse_reply(reply.message, native_tools=True)
    assert action.name == "view_file" and action.error and "not valid JSON" in action.error


def test_missing_api_key_names_the_variable() -> None:
    with pytest.raises(MissingApiKey, match="set the environment variable OPENAI_API_KEY") as info:
        build_model_client(ModelSettings(name="openai:gpt-6-luna"), RunBudget(BudgetLimits()), env={})
    assert info.value.variable == "OPENAI_API_KEY"


def test_base_url_without_key_uses_a_placeholder(openai_server: FakeOpenAI) -> None:
    openai_server.queue.append(ok(completion(content="hi")))
    s = ModelSettings(name="openai:some-local-model", base_url=openai_server.base_url, max_retries=0)
    c = build_model_client(s, RunBudget(BudgetLimits()), env={})
    assert c.complete(MSGS).message.content == "hi"
    assert c.preset.priced is False and c.budget.usage().cost_usd == 0.0


@pytest.mark.parametrize(("name", "needle"), [
    ("gpt-4", "provider:model"), ("foo:bar", "unknown model provider 'foo'"), ("scripted:/nope.yaml", "script not found"),
])
def test_bad_model_names_are_clear(name: str, needle: str) -> None:
    with pytest.raises(ModelConfigError, match=needle):
        build_model_client(ModelSettings(name=name), RunBudget(BudgetLimits()), env={})


def test_missing_optional_provider_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes `import langchain_ollama` fail, as on a machine without the extra.
    monkeypatch.setitem(sys.modules, "langchain_ollama", None)
    with pytest.raises(ModelConfigError, match=r"pip install 'orch\[ollama\]'"):
        build_model_client(ModelSettings(name="ollama:llama3.1:8b"), RunBudget(BudgetLimits()), env={})


def test_retry_policy_backoff_is_exponential_and_capped() -> None:
    p = RetryPolicy(max_retries=5, base_delay=1.0, max_delay=10.0)
    assert [p.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 10.0]
    assert p.delay(1, retry_after=60) == 10.0


def test_presets_load() -> None:
    table = load_presets()
    assert table.resolve("ollama:qwen2.5-coder:7b").tool_calling is False
    assert table.resolve("openai:gpt-6-luna").cost(1_000_000, 1_000_000) == pytest.approx(0.60)


def test_sampling_is_sent_only_to_models_that_accept_it(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [ok(completion(content="a")), ok(response(text="b"))]
    assert client_for(openai_server).complete(MSGS).message.content == "a"
    luna = client_for(openai_server, "openai:gpt-6-luna", presets_file="models.yaml")
    assert luna.complete(MSGS).message.text == "b"
    chat, responses = (r["json"] for r in openai_server.requests)
    assert chat["temperature"] == 0.0
    # GPT-6 models answer HTTP 400 to any sampling parameter.
    assert not {"temperature", "top_p"} & responses.keys()


def test_responses_api_tool_call_round_trip_and_usage(openai_server: FakeOpenAI) -> None:
    openai_server.queue += [ok(response(text="Looking.", tool_calls=[("view_file", {"path": "a.py"})],
                                        input_tokens=2000, output_tokens=500)),
                            ok(response(text="done", input_tokens=2600, output_tokens=20))]
    c = client_for(openai_server, "openai:gpt-6-luna", presets_file="models.yaml")
    reply = c.complete(MSGS, TOOLS)
    [action] = parse_reply(reply.message, native_tools=True)
    assert (action.name, action.args, action.call_id) == ("view_file", {"path": "a.py"}, "call_0")
    first = openai_server.requests[0]
    assert first["path"] == "/v1/responses"
    assert first["json"]["tools"] == [{"type": "function", "name": "view_file", "description": "Show a file",
                                       "parameters": TOOLS[0]["function"]["parameters"]}]
    # gpt-6-luna: $0.10 / $0.50 per 1M tokens
    assert (reply.input_tokens, reply.output_tokens, reply.usage_estimated) == (2000, 500, False)
    assert reply.cost_usd == pytest.approx((2000 * 0.10 + 500 * 0.50) / 1e6, rel=1e-12)
    # The observation goes back as the call's output, under the call's id.
    c.complete([*MSGS, reply.message, ToolMessage("print('a')", tool_call_id="call_0")], TOOLS)
    items = openai_server.requests[1]["json"]["input"]
    outputs = [i for i in items if i.get("type") == "function_call_output"]
    assert outputs == [{"type": "function_call_output", "call_id": "call_0", "output": "print('a')"}]


def test_a_model_its_provider_shut_down_is_refused_with_the_replacement() -> None:
    with pytest.raises(ModelConfigError, match=r"openai:o4-mini was shut down by its provider on 2026-10-23; "
                                               r"use openai:gpt-6-luna instead"):
        build_model_client(ModelSettings(name="openai:o4-mini"), RunBudget(BudgetLimits()), env={"OPENAI_API_KEY": "k"})
    table = load_presets()
    before = table.resolve("openai:o4-mini", today=datetime.date(2026, 10, 22))  # still served: a warning
    assert before.sampling is False and before.replacement == "openai:gpt-6-luna"
    with pytest.raises(ModelConfigError, match="shut down"):
        table.resolve("anthropic:claude-sonnet-4-20250514", today=datetime.date(2026, 6, 15))


def test_responses_api_is_refused_on_other_providers(tmp_path) -> None:
    bad = tmp_path / "models.yaml"
    bad.write_text("presets:\n  anthropic:x: {responses_api: true}\n")
    with pytest.raises(ModelConfigError, match="responses_api applies to openai presets only"):
        load_presets(bad)
