"""SWE-bench-style instances and predictions (JSON Lines in, typed objects out)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Instance(BaseModel):
    """One dataset row: a repository at a commit, an issue, and the tests that judge a fix."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    instance_id: str
    repo: str
    base_commit: str
    patch: str = ""
    """The gold fix."""
    test_patch: str = ""
    fail_to_pass: list[str] = Field(default_factory=list, alias="FAIL_TO_PASS")
    pass_to_pass: list[str] = Field(default_factory=list, alias="PASS_TO_PASS")
    version: str | None = None
    environment_setup_commit: str | None = None
    problem_statement: str = ""

    @field_validator("fail_to_pass", "pass_to_pass", mode="before")
    @classmethod
    def _decode(cls, value: Any) -> Any:
        # The official dataset stores these lists JSON-encoded inside the JSON row.
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> Any:
        return None if value is None else str(value)


class Prediction(BaseModel):
    model_config = ConfigDict(extra="ignore")

    instance_id: str
    model_name_or_path: str = "unknown"
    model_patch: str | None = None


def _rows(path: Path) -> list[dict[str, Any]]:
    text = path.read_text()
    stripped = text.lstrip()
    if stripped.startswith("["):
        return json.loads(stripped)
    if stripped.startswith("{") and "\n{" not in stripped.strip():
        doc = json.loads(stripped)
        # {instance_id: prediction} is the other common shape of prediction files
        if all(isinstance(v, dict) for v in doc.values()) and "instance_id" not in doc:
            return [{"instance_id": k, **v} for k, v in doc.items()]
        return [doc]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_instances(path: str | Path, instance_ids: list[str] | None = None) -> list[Instance]:
    rows = [Instance.model_validate(r) for r in _rows(Path(path))]
    if instance_ids:
        wanted = set(instance_ids)
        missing = wanted - {r.instance_id for r in rows}
        if missing:
            raise ValueError(f"instance ids not in {path}: {', '.join(sorted(missing))}")
        rows = [r for r in rows if r.instance_id in wanted]
    return rows


def load_predictions(source: str, instances: list[Instance]) -> dict[str, Prediction]:
    """`gold`, `empty`, or a predictions file (JSONL, JSON list or {id: prediction})."""
    if source == "gold":
        return {i.instance_id: Prediction(instance_id=i.instance_id, model_name_or_path="gold", model_patch=i.patch) for i in instances}
    if source == "empty":
        return {i.instance_id: Prediction(instance_id=i.instance_id, model_name_or_path="empty", model_patch="") for i in instances}
    preds = [Prediction.model_validate(r) for r in _rows(Path(source))]
    return {p.instance_id: p for p in preds}
