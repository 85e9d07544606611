"""What the agents need from the code graph and the sandbox, as structural protocols.

`graph_index.CodeGraph` and `harness.Sandbox` satisfy these without importing anything from
here; declaring the subset keeps agents testable and states exactly what they rely on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class NodeLike(Protocol):
    id: str
    kind: Any
    name: str
    qualname: str
    path: str
    start_line: int
    end_line: int
    signature: str


class SubgraphLike(Protocol):
    nodes: list[Any]
    edges: list[Any]


class HitLike(Protocol):
    node: Any
    score: float


class GraphLike(Protocol):
    def node(self, node_id: str) -> NodeLike | None: ...
    def symbol(self, name_or_id: str) -> list[Any]: ...
    def search(self, text: str, k: int = 10) -> list[Any]: ...
    def callers(self, node_id: str, depth: int = 1) -> Any: ...
    def callees(self, node_id: str, depth: int = 1) -> Any: ...
    def neighbors(self, node_id: str, depth: int = 1, edge_kinds: Sequence[Any] | None = None) -> Any: ...
    def file_skeleton(self, path: str) -> str: ...
    def repo_map(self, token_budget: int = 1024, query: str | None = None) -> Any: ...


class CommandResultLike(Protocol):
    exit_code: int
    stdout: str
    stderr: str
    duration: float
    timed_out: bool


class SandboxLike(Protocol):
    workdir: str

    def run(self, cmd: str, timeout: float | None = None) -> Any: ...
    def read_file(self, path: str) -> str: ...
    def write_file(self, path: str, content: str) -> None: ...
    def diff(self) -> str: ...
