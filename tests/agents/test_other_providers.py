"""The real LangChain Anthropic and Ollama client code paths against a loopback HTTP server.

One server answers Anthropic's Messages API (`POST /v1/messages`) and Ollama's chat API
(`POST /api/chat`) from a queue of scripted bodies; the models reach it through orch's own
`model.base_url` setting, so the provider packages' real request and response handling runs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from loopback_openai import LoopbackServer

from agents import (
    BudgetLimits,
    MissingApiKey,
    ModelSettings,
    RunBudget,
    build_model_client,
    parse_reply,
)

TOOLS = [{"type": "function", "function": {"name": "view_file", "description": "Show a file",
          "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}}]
MSGS = [SystemMessage("you are a test"), HumanMessage("look at a.py")]
SONNET = "anthropic:claude-sonnet-5-5"


def anthropic_message(text: str | None = None, tool: tuple[str, dict] | None = None,
                      input_tokens: int = 11, output_tokens: int = 7) -> dict:
    content: list[dict] = []
    if text is not None:
        content.append({"type": "text", "text": text})
    if tool is not None:
        content.append({"type": "tool_use", "id": "toolu_01", "name": tool[0], "input": tool[1]})
    return {"id": "msg_test", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5",
            "content": content, "stop_reason": "tool_use" if tool else "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}}


def ollama_chat(content: str = "", tool: tuple[str, dict] | None = None,
                prompt_eval_count: int = 11, eval_count: int = 7) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool is not None:
        message["tool_calls"] = [{"function": {"name": tool[0], "arguments": tool[1]}}]
    return {"model": "llama3.1:8b", "created_at": "2025-01-01T00:00:00Z", "message": message,
            "done": True, "done_reason": "stop", "prompt_eval_count": prompt_eval_count, "eval_count": eval_count}


class FakeProviders(LoopbackServer):
    """Answers each POST with the next queued body; keeps path, JSON and headers of each request."""

    def __init__(self) -> None:
        self.queue: list[dict] = []
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                with owner._lock:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    owner.requests.append({"path": self.path, "json": payload, "headers": headers})
                    body = owner.queue.pop(0) if owner.queue else None
                if body is None:
                    status, data = 500, b'{"error": "no scripted body left"}'
                else:
                    # Ollama's client asks for a stream (NDJSON); one line with done=true is a whole stream.
                    status, data = 200, json.dumps(body).encode() + b"\n"
                self.send_response(status)
                ctype = "application/x-ndjson" if self.path.startswith("/api/") else "application/json"
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        super().__init__(Handler)

    @property
    def base_url(self) -> str:
        return self.origin


@pytest.fixture
def server() -> Iterator[FakeProviders]:
    with FakeProviders() as s:
        yield s


def client_for(server: FakeProviders, name: str):
    settings = ModelSettings(name=name, base_url=server.base_url, timeout=5.0, max_retries=0)
    return build_model_client(settings, RunBudget(BudgetLimits()))


# --- Anthropic -------------------------------------------------------------------------------

def test_anthropic_text_reply_uses_key_from_environment_and_accounts_usage(
        server: FakeProviders, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    server.queue.append(anthropic_message(text="hello from claude", input_tokens=1000, output_tokens=200))
    reply = client_for(server, SONNET).complete(MSGS)
    assert reply.message.content == "hello from claude"
    [req] = server.requests
    assert req["path"].startswith("/v1/messages")
    # SDK versions differ: `x-api-key: KEY` or `authorization: Bearer KEY`.
    assert "sk-ant-test" in (req["headers"].get("x-api-key", ""), req["headers"].get("authorization", "")[7:])
    assert req["json"]["model"] == "claude-sonnet-5-5"
    assert req["json"]["system"] == "you are a test"
    # Claude 5 models answer HTTP 400 to a non-default temperature.
    assert "temperature" not in req["json"]
    # claude-sonnet-5-5: $2 / $10 per 1M tokens
    assert (reply.input_tokens, reply.output_tokens, reply.usage_estimated) == (1000, 200, False)
    assert reply.cost_usd == pytest.approx((1000 * 2.00 + 200 * 10.00) / 1e6, rel=1e-12)
    assert reply.spend.steps == 1 and reply.spend.tokens == 1200


def test_anthropic_tool_use_is_parsed_into_an_action(server: FakeProviders, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    server.queue.append(anthropic_message(text="Looking.", tool=("view_file", {"path": "a.py"}),
                                          input_tokens=500, output_tokens=40))
    c = client_for(server, SONNET)
    assert c.supports_tools
    reply = c.complete(MSGS, TOOLS)
    actions = parse_reply(reply.message, native_tools=True)
    assert [(a.name, a.args) for a in actions] == [("view_file", {"path": "a.py"})]
    sent = server.requests[0]["json"]
    assert [t["name"] for t in sent["tools"]] == ["view_file"]
    assert sent["tools"][0]["input_schema"]["required"] == ["path"]
    assert reply.cost_usd == pytest.approx((500 * 2.00 + 40 * 10.00) / 1e6, rel=1e-12)


def test_anthropic_model_that_samples_gets_the_temperature(server: FakeProviders, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    server.queue.append(anthropic_message(text="hi"))
    client_for(server, "anthropic:claude-haiku-4-5").complete(MSGS)
    assert server.requests[0]["json"]["temperature"] == 0.0


def test_anthropic_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(MissingApiKey, match="ANTHROPIC_API_KEY"):
        build_model_client(ModelSettings(name=SONNET), RunBudget(BudgetLimits()))


# --- Ollama ----------------------------------------------------------------------------------

def test_ollama_text_reply_and_usage(server: FakeProviders) -> None:
    server.queue.append(ollama_chat(content="hello from llama", prompt_eval_count=321, eval_count=45))
    reply = client_for(server, "ollama:llama3.1:8b").complete(MSGS)
    assert reply.message.content == "hello from llama"
    [req] = server.requests
    assert req["path"] == "/api/chat"
    assert req["json"]["model"] == "llama3.1:8b"
    assert [m["role"] for m in req["json"]["messages"]] == ["system", "user"]
    assert (reply.input_tokens, reply.output_tokens, reply.usage_estimated) == (321, 45, False)
    # Self-hosted: tokens count against the budget, dollars do not.
    assert reply.cost_usd == 0.0
    assert reply.spend.steps == 1 and reply.spend.tokens == 366


def test_ollama_tool_call_is_parsed_into_an_action(server: FakeProviders) -> None:
    server.queue.append(ollama_chat(tool=("view_file", {"path": "a.py"}), prompt_eval_count=200, eval_count=20))
    c = client_for(server, "ollama:llama3.1:8b")
    assert c.supports_tools
    reply = c.complete(MSGS, TOOLS)
    actions = parse_reply(reply.message, native_tools=True)
    assert [(a.name, a.args) for a in actions] == [("view_file", {"path": "a.py"})]
    assert server.requests[0]["json"]["tools"][0]["function"]["name"] == "view_file"
    assert (reply.input_tokens, reply.output_tokens) == (200, 20)


def test_ollama_text_only_preset_gets_no_tools_and_its_action_block_parses(server: FakeProviders) -> None:
    text = 'I will look.\n```action\n{"tool": "view_file", "args": {"path": "b.py"}}\n```'
    server.queue.append(ollama_chat(content=text))
    c = client_for(server, "ollama:qwen2.5-coder:7b")
    assert not c.supports_tools
    reply = c.complete(MSGS, TOOLS)
    assert not server.requests[0]["json"].get("tools")
    [action] = parse_reply(reply.message, native_tools=c.supports_tools)
    assert (action.name, action.args) == ("view_file", {"path": "b.py"})
