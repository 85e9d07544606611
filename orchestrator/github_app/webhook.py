"""The webhook endpoint: verify, deduplicate, decide, queue, answer. No GitHub calls here.

It answers within milliseconds: everything slow (permission checks, cloning, solving) happens in
a queued job. Anything it cannot trust or parse gets a 4xx and leaves no trace in the queue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import anyio.to_thread
import structlog
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse

from orchestrator.config.model import AppSettings
from orchestrator.github_app.events import decide
from orchestrator.github_app.signature import SignatureCheck, verify
from orchestrator.github_app.store import Admission, JobStore

log = structlog.get_logger(__name__)

# GitHub caps webhook payloads at 25 MB.
MAX_BODY_BYTES = 25 * 1024 * 1024
_HEADER_TOKEN = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def _answer(code: int, **data: object) -> JSONResponse:
    return JSONResponse(data, status_code=code)


class WebhookHandler:
    def __init__(self, store: JobStore, app: AppSettings, secret: str, on_queued: Callable[[], None]) -> None:
        self._store = store
        self._app = app
        self._secret = secret
        self._on_queued = on_queued

    async def handle(self, request: Request) -> JSONResponse:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _answer(413, error="payload too large")
        try:
            body = await _read_body(request)
        except ClientDisconnect:
            return _answer(400, error="client disconnected")
        if body is None:
            return _answer(413, error="payload too large")

        check = verify(body, request.headers.get("x-hub-signature-256"), self._secret)
        if check is not SignatureCheck.VALID:
            log.warning("webhook_rejected", check=check.value)
            return _answer(400 if check is SignatureCheck.MALFORMED else 401, error=f"signature {check.value}")

        event = request.headers.get("x-github-event", "")
        delivery = request.headers.get("x-github-delivery", "")
        if not _HEADER_TOKEN.match(event) or not _HEADER_TOKEN.match(delivery):
            return _answer(400, error="missing or malformed X-GitHub-Event / X-GitHub-Delivery")
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            return _answer(400, error="body is not JSON")

        decision = decide(event, delivery, payload, self._app)
        if decision.invalid:
            return _answer(400, error=decision.reason)
        admitted = await anyio.to_thread.run_sync(self._store.admit, delivery, event, decision.trigger, decision.reason)
        log.info("webhook_accepted", delivery=delivery, event_name=event, admission=admitted.admission.value, reason=decision.reason)
        if admitted.admission in (Admission.QUEUED, Admission.BUSY):
            self._on_queued()
            return _answer(202, status=admitted.admission.value, job=admitted.job_id)
        return _answer(200, status=admitted.admission.value, reason=decision.reason)


async def _read_body(request: Request) -> bytes | None:
    """The raw body, or None when it exceeds the cap (the signature covers these exact bytes)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
