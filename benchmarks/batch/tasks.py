"""Benchmark-only batch task: index one instance's commit with the code graph, nothing else.

It measures what the batch's repository grouping buys the graph: the same runner, worker
processes and ordering as a real batch, with the solve replaced by its indexing step.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from orchestrator.batch.models import InstanceResult, InstanceStatus, TaskSpec
from orchestrator.batch.task import repo_source
from orchestrator.config import OrchSettings


def _cpu() -> float:
    """CPU seconds of this process and of its waited-for children (git, the parse pool's workers):
    the indexing's cost whatever else the machine runs, unlike its wall time."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def index_instance(spec: TaskSpec) -> InstanceResult:
    from graph_index import open_graph

    settings = OrchSettings.model_validate(spec.settings)
    repo = repo_source(spec.instance, spec.repos_dir)
    if repo is None:
        raise FileNotFoundError(f"{spec.repo} not under {spec.repos_dir}")
    commit = spec.instance["base_commit"]
    # `fresh_index`: this instance gets an index of its own, as an unbatched solve would.
    index_path = None
    if spec.instance.get("fresh_index"):
        index_path = Path(spec.instance_dir) / "index.sqlite"
        # ...and indexes as an unbatched solve does: without keeping pieces for later commits.
        settings.graph.piece_cache = "off"
    started, cpu = time.perf_counter(), _cpu()
    graph = open_graph(settings.graph, repo, commit, index_path=index_path)
    try:
        stats = graph.index(repo, commit)
    finally:
        graph.close()
    wall = time.perf_counter() - started
    return InstanceResult(
        instance_id=spec.instance_id, repo=spec.repo, status=InstanceStatus.NO_PATCH, duration_s=wall,
        detail={"index_s": wall, "index_cpu_s": _cpu() - cpu, "files_total": stats.files_total,
                "files_parsed": stats.files_parsed, "files_reused": stats.files_reused, "index_path": stats.index_path},
    )
