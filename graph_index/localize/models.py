"""What localization returns. The JSON shape is a stable contract (`orch localize --json`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FileHit(BaseModel):
    path: str
    """Repository-relative path."""
    score: float
    evidence: list[str] = Field(default_factory=list)
    """Why the file ranked: one short line per signal, strongest first."""


class FunctionHit(BaseModel):
    id: str
    """`path.py:Class.method` (or `path.py:function`)."""
    score: float
    evidence: list[str] = Field(default_factory=list)


class Localization(BaseModel):
    files: list[FileHit] = Field(default_factory=list)
    functions: list[FunctionHit] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        """The `--json` contract: `{"files": [{path, score, evidence}], "functions": [{id, score, evidence}]}`."""
        return {
            "files": [{"path": f.path, "score": round(f.score, 4), "evidence": f.evidence} for f in self.files],
            "functions": [
                {"id": f.id, "score": round(f.score, 4), "evidence": f.evidence} for f in self.functions
            ],
        }
