"""Graph fixtures: every test that takes `graph_factory` runs once per backend."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graph_index import CodeGraph, GraphSettings, open_graph
from graph_index.config import Neo4jSettings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "graph"
BACKENDS = ["embedded", "neo4j"]


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin", "HOME": str(repo)}
    out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return out.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Callable[[str], Path]:
    """Copy of a fixture directory (python, javascript, typescript, java, go) in tmp."""

    def make(name: str, with_git: bool = False) -> Path:
        dest = tmp_path / "repos" / name
        shutil.copytree(FIXTURES / name, dest)
        if with_git:
            git(dest, "init", "-q", "-b", "main")
            commit_all(dest, "initial")
        return dest

    return make


@pytest.fixture(params=BACKENDS)
def graph_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def graph_settings(graph_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> GraphSettings:
    if graph_backend == "neo4j":
        # Each test's repository lives under its own tmp path, so its repository key (and its
        # part of the shared database) is its own.
        uri, user, password = request.getfixturevalue("neo4j_server")
        neo4j = Neo4jSettings(uri=uri, user=user, password=password)
        return GraphSettings(backend="neo4j", index_dir=tmp_path / "index", neo4j=neo4j)
    return GraphSettings(backend=graph_backend, index_dir=tmp_path / "index")


@pytest.fixture
def graph_factory(graph_settings: GraphSettings) -> Iterator[Callable[..., CodeGraph]]:
    """open_graph for the parametrized backend; every graph is closed after the test."""
    opened: list[CodeGraph] = []

    def make(repo: Path, commit: str | None = None, **kw) -> CodeGraph:
        g = open_graph(graph_settings, repo, commit, **kw)
        opened.append(g)
        return g

    yield make
    for g in opened:
        g.close()
