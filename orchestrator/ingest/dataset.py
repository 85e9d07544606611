"""A SWE-bench-style dataset row by instance id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestrator.ingest.errors import IngestError


def load_dataset_row(path: Path, instance_id: str) -> dict[str, Any]:
    if not path.is_file():
        raise IngestError(f"dataset file {path} does not exist")
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise IngestError(f"{path}:{lineno} is not valid JSON") from None
            if row.get("instance_id") == instance_id:
                return row
    raise IngestError(f"instance {instance_id!r} not found in {path}")
