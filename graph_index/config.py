"""Settings for the code graph; composed into orch's one settings object by `orchestrator.config`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator


class Neo4jSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    uri: str = "bolt://127.0.0.1:7687"
    """Bolt URI of the Neo4j server (`neo4j://` for a cluster routing table)."""
    user: str = "neo4j"
    """User name for basic authentication."""
    password: str = "orch-test-password"
    """Password for basic authentication. Prefer ORCH_GRAPH__NEO4J__PASSWORD over writing it in a file."""
    database: str = "neo4j"
    """Database name inside the server."""


class GraphSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    backend: Literal["embedded", "neo4j"] = "embedded"
    """Which store holds the graph: `embedded` (one SQLite file per index, no setup) or `neo4j`."""
    index_dir: Path = Path("~/.cache/orch/index")
    """Where embedded indexes (and Neo4j piece caches) live. One file per repository; commits share
    unchanged files."""
    neo4j: Neo4jSettings = Neo4jSettings()
    """Connection settings, used when backend is `neo4j`."""
    piece_cache: Literal["auto", "on", "off"] = "auto"
    """Extract Python files by top-level pieces and keep each piece's extraction (the embedded
    store: in its index; Neo4j: in a local cache file, `index_dir/<repository key>.pieces.sqlite`),
    so a later commit re-extracts only the definitions that changed. It costs about a fifth more
    on a first index and doubles the index file, and pays off when one index serves many
    commits. `auto`: for the embedded store on in batch runs (their instances share one index per
    repository), off otherwise; for Neo4j (a database shared by many commits) on."""

    @field_validator("piece_cache", mode="before")
    @classmethod
    def _yaml_switch(cls, value: object) -> object:
        # YAML reads a bare `on`/`off` (in a config file, --set or ORCH_GRAPH__PIECE_CACHE) as a boolean.
        return {True: "on", False: "off"}.get(value, value) if isinstance(value, bool) else value
