"""Fuzzed deliveries against the real server: whatever arrives, the answer is never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from app_harness import APP_ID, SECRET, AppProcess, commented, labeled
from fake_github import FakeGitHub, ServerThread
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.github_app import sign

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
# h11 (the client) refuses header values with surrounding whitespace, so the fuzz strips it.
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80).map(str.strip)
events = st.sampled_from(["issues", "issue_comment", "ping", "push", "installation"]) | header_text


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, app_key: tuple[Path, bytes]) -> Iterator[AppProcess]:
    root = tmp_path_factory.mktemp("fuzz")
    # No installation can get a token, so no fuzzed payload that passes validation ever makes a
    # job clone its (arbitrary) clone URL: jobs stop at the token exchange against the fake.
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=app_key[1], git_root=root / "git", installations=set())
    server = ServerThread(fake.asgi())
    fake.base_url = server.url
    with server:
        app = AppProcess(root / "state", fake.base_url, APP_ID, app_key[0], "stand_in_solver:stand_in_failure").start()
        try:
            yield app
        finally:
            app.stop()
            assert "Exception in ASGI application" not in app.log()


def _post(app: AppProcess, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(app.url + "/webhook", content=body, headers=headers, timeout=10)


def _assert_handled(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 202, 400, 401, 413)


@FUZZ
@given(body=st.binary(max_size=2000), event=events, delivery=header_text, signature=st.none() | header_text)
def test_arbitrary_bytes_and_headers(fuzz_app: AppProcess, body: bytes, event: str, delivery: str, signature: str | None) -> None:
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    response = _post(fuzz_app, body, headers)
    _assert_handled(response)
    assert response.status_code in (400, 401)  # unsigned or wrongly signed never gets further


@FUZZ
@given(payload=json_values, event=events, delivery=header_text)
def test_signed_arbitrary_json(fuzz_app: AppProcess, payload: Any, event: str, delivery: str) -> None:
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": sign(body, SECRET)}
    _assert_handled(_post(fuzz_app, body, headers))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value)
    copy[path[0]] = _replace(copy[path[0]], path[1:], new)
    return copy


@FUZZ
@given(data=st.data(), kind=st.sampled_from(["issues", "issue_comment"]), mutations=st.integers(1, 3))
def test_signed_mutated_real_payloads(fuzz_app: AppProcess, data: st.DataObject, kind: str, mutations: int) -> None:
    clone = "http://127.0.0.1:9/git/octo/demo.git"
    payload = labeled(clone, "maintainer") if kind == "issues" else commented(clone, "maintainer", "/orch solve", "OWNER")
    for _ in range(mutations):
        path = data.draw(st.sampled_from(_paths(payload)))
        payload = _replace(payload, path, data.draw(json_values))
    body = json.dumps(payload).encode()
    delivery = data.draw(st.uuids()).hex
    headers = {"X-GitHub-Event": kind, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": sign(body, SECRET)}
    _assert_handled(_post(fuzz_app, body, headers))


def test_server_is_still_healthy_after_fuzzing(fuzz_app: AppProcess) -> None:
    assert httpx.get(fuzz_app.url + "/healthz", timeout=5).status_code == 200
