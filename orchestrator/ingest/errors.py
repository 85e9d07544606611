"""Ingest failures carry the kind of failure, so the run ends with the right status."""

from __future__ import annotations

from typing import Literal


class IngestError(Exception):
    """`kind` is "input" when the request names something that does not exist or cannot be read,
    "infra" when a service failed (GitHub 5xx, network)."""

    def __init__(self, message: str, kind: Literal["input", "infra"] = "input") -> None:
        super().__init__(message)
        self.kind = kind
