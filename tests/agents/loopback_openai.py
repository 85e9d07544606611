"""A real OpenAI-compatible HTTP server on loopback with scripted behaviours.

Each request to /v1/chat/completions takes the next behaviour from the queue: a completion
(content and/or tool calls with usage), an HTTP error status, a delay longer than the client's
timeout, or a raw (malformed) body. The requests received are kept for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

CHAT_PRESETS = str(Path(__file__).with_name("chat_presets.yaml"))
"""Test-owned presets (`openai:chat-test`, `openai:local-text-only`) for `model.presets_file`."""


def completion(content: str | None = None, tool_calls: list[tuple[str, Any]] | None = None,
               prompt_tokens: int = 11, completion_tokens: int = 7) -> dict:
    """A chat.completion body. tool_calls: (name, args) where args is a dict or a raw string."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function",
             "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)}}
            for i, (name, args) in enumerate(tool_calls)
        ]
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "test-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def response(text: str | None = None, tool_calls: list[tuple[str, Any]] | None = None,
             input_tokens: int = 11, output_tokens: int = 7, model: str = "gpt-6-luna") -> dict:
    """A Responses API body (`POST /v1/responses`): a reasoning item, then the text and calls."""
    output: list[dict[str, Any]] = [{"type": "reasoning", "id": "rs_1", "summary": []}]
    if text is not None:
        output.append({"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                       "content": [{"type": "output_text", "text": text, "annotations": []}]})
    for i, (name, args) in enumerate(tool_calls or []):
        output.append({"type": "function_call", "id": f"fc_{i}", "call_id": f"call_{i}", "name": name,
                       "arguments": args if isinstance(args, str) else json.dumps(args), "status": "completed"})
    return {"id": "resp_test", "object": "response", "created_at": 0, "status": "completed", "model": model,
            "output": output,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}}}


@dataclass
class Behaviour:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def ok(body: dict) -> Behaviour:
    return Behaviour(body=json.dumps(body).encode())


def error(status: int, message: str = "scripted error", headers: dict[str, str] | None = None) -> Behaviour:
    return Behaviour(status=status, body=json.dumps({"error": {"message": message, "type": "test"}}).encode(),
                     headers=headers or {})


def slow(seconds: float, body: dict) -> Behaviour:
    return Behaviour(body=json.dumps(body).encode(), delay=seconds)


def raw(text: str) -> Behaviour:
    return Behaviour(body=text.encode())


class LoopbackServer:
    """A threaded HTTP server on a free loopback port for the life of a `with` block."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class FakeOpenAI(LoopbackServer):
    def __init__(self) -> None:
        self.queue: list[Behaviour] = []
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
                    owner.requests.append({"path": self.path, "json": payload,
                                           "auth": self.headers.get("authorization")})
                    b = owner.queue.pop(0) if owner.queue else error(500, "no scripted behaviour left")
                if b.delay:
                    time.sleep(b.delay)
                try:
                    self.send_response(b.status)
                    self.send_header("content-type", "application/json")
                    for k, v in b.headers.items():
                        self.send_header(k, v)
                    self.send_header("content-length", str(len(b.body)))
                    self.end_headers()
                    self.wfile.write(b.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        super().__init__(Handler)

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"
