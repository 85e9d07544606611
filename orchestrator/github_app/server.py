"""The App as one ASGI application: webhook route, health route, and the worker pool's lifetime."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from orchestrator.config import OrchSettings
from orchestrator.github_app.auth import read_private_key
from orchestrator.github_app.errors import AppConfigError
from orchestrator.github_app.executors import make_executor
from orchestrator.github_app.solver import Solver, load_solver
from orchestrator.github_app.store import JobStore
from orchestrator.github_app.webhook import WebhookHandler
from orchestrator.github_app.worker import WorkerPool

log = structlog.get_logger(__name__)


def check_settings(settings: OrchSettings) -> str:
    """Fail fast on what every job would need; returns the webhook secret."""
    app = settings.app
    secret = app.webhook_secret.get_secret_value() if app.webhook_secret else ""
    if not secret:
        raise AppConfigError("app.webhook_secret is not set (ORCH_APP__WEBHOOK_SECRET)")
    read_private_key(app)
    load_solver(app.solver)
    return secret


def create_app(settings: OrchSettings, solver: Solver | None = None) -> Starlette:
    """The ASGI app. The worker pool runs for the app's lifespan; one server per state dir."""
    secret = check_settings(settings)
    state_dir = settings.app.state_dir.expanduser()
    store = JobStore(state_dir / "queue.sqlite")
    pools: list[WorkerPool] = []

    def wake() -> None:
        for pool in pools:
            pool.wake()

    webhook = WebhookHandler(store, settings.app, secret, on_queued=wake)

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        with _exclusive(state_dir / "server.lock"):
            resumed = store.requeue_interrupted()
            if resumed:
                log.info("jobs_resumed", job_ids=resumed)
            executor = make_executor(settings)
            pool = WorkerPool(store, settings, solver, executor)
            pools.append(pool)
            pool.start()
            try:
                yield
            finally:
                pool.stop()
                executor.close()

    return Starlette(
        routes=[
            Route("/webhook", webhook.handle, methods=["POST"]),
            Route("/", webhook.handle, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Requeueing `running` jobs at start is only safe when no other server shares the state dir."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AppConfigError(f"another orch app server is using {path.parent}") from None
        yield
    finally:
        os.close(fd)


def serve(settings: OrchSettings, solver: Solver | None = None) -> None:
    import uvicorn

    app = create_app(settings, solver)
    uvicorn.run(app, host=settings.app.host, port=settings.app.port, log_config=None, access_log=False)
