"""Structured logging: readable on a terminal, JSON lines in the run directory.

Context (run_id, instance_id, role, node) is bound with `bind_context`, never formatted into
messages, so the JSON log can be filtered by any of them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog

_SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]


def configure_logging(level: str = "info", *, json_console: bool | None = None) -> None:
    """Set up structlog over stdlib logging, writing to stderr.

    JSON goes to stderr when it is not a terminal (CI, pipes) unless told otherwise.
    """
    if json_console is None:
        json_console = not sys.stderr.isatty()
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_console
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level.upper())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=_SHARED_PROCESSORS,
        )
    )
    handler.set_name("orch-console")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "orch-console"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # Third-party chatter (neo4j driver, docker, urllib3) stays at warning on the console.
    for noisy in ("neo4j", "urllib3", "docker", "httpx", "httpcore", "git"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[*_SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


@contextmanager
def run_log_file(run_dir: Path) -> Iterator[Path]:
    """Also write every record (debug and up) as JSON lines to `run_dir/log.jsonl` while active."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "log.jsonl"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                # Frame locals would copy API keys and tokens into log files, so tracebacks go without them.
                structlog.processors.ExceptionRenderer(
                    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
                ),
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=_SHARED_PROCESSORS,
        )
    )
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        handler.close()


@contextmanager
def bind_context(**context: Any) -> Iterator[None]:
    """Bind run_id / instance_id / role / node for every log record inside the block."""
    with structlog.contextvars.bound_contextvars(**context):
        yield
