"""Fixtures for the agents' tests: a loopback OpenAI server, the real embedded graph of the
python-pagekit example, a real local sandbox on a git copy of it, and scripted model clients."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback_openai import FakeOpenAI

from agents import BudgetLimits, ModelClient, ModelPreset, RunBudget, ScriptedChatModel

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python-pagekit" / "repo"
PY = sys.executable


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(scope="session")
def pagekit_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("pagekit") / "repo"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns(".orch", "__pycache__", ".pytest_cache"))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "base"], check=True)
    return repo


@pytest.fixture(scope="session")
def pagekit_graph(pagekit_repo: Path, tmp_path_factory: pytest.TempPathFactory):
    from graph_index import GraphSettings, open_graph

    graph = open_graph(GraphSettings(), pagekit_repo, index_path=tmp_path_factory.mktemp("idx") / "g.db")
    graph.index(pagekit_repo)
    yield graph
    graph.close()


@pytest.fixture
def sandbox(pagekit_repo: Path):
    from harness.sandboxes import LocalSandbox

    sb = LocalSandbox(pagekit_repo, "HEAD", memory=None, command_timeout=120)
    yield sb
    sb.close()


@pytest.fixture
def scripted() -> Callable[..., ModelClient]:
    def make(responses: list[Any], *, tool_calling: bool = True, limits: BudgetLimits | None = None,
             events: list | None = None) -> ModelClient:
        preset = ModelPreset(provider="openai", model="scripted-test", input_per_mtok=1.0, output_per_mtok=2.0,
                             tool_calling=tool_calling)
        client = ModelClient(chat=ScriptedChatModel(responses=responses), preset=preset,
                             budget=RunBudget(limits or BudgetLimits()), max_output_tokens=1000)
        if events is not None:
            client.hooks.append(events.append)
        return client

    return make
