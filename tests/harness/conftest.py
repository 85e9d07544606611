"""Harness fixtures: a tiny git repository and SWE-bench-style instances built from it at test time."""

from __future__ import annotations

import json
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

CALC = '''\
def add(a, b):
    return a - b


def mul(a, b):
    return a * b
'''

TESTS_BASE = '''\
import unittest

from calc import add, mul


class CalcTests(unittest.TestCase):
    def test_mul(self):
        self.assertEqual(mul(2, 3), 6)
'''

TESTS_NEW = TESTS_BASE + '''
    def test_add(self):
        self.assertEqual(add(2, 3), 5)
'''


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def make_diff(repo: Path, path: str, new_text: str) -> str:
    """A git diff of `path` rewritten to `new_text`, leaving the repository untouched."""
    target = repo / path
    old = target.read_text() if target.exists() else None
    target.write_text(new_text)
    git(repo, "add", "-N", path)
    diff = git(repo, "diff", "--", path)
    if old is None:
        git(repo, "rm", "-q", "--cached", path)
        target.unlink()
    else:
        target.write_text(old)
    return diff


@dataclass
class Fixture:
    repos_dir: Path
    repo: Path
    dataset: Path
    specs_dir: Path
    rows: dict[str, dict]
    gold: str


@pytest.fixture(scope="session")
def calc_fixture(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    """`fixtures/calc` at a commit where add() is wrong; the gold patch fixes it, the test patch tests it.

    Extra rows reuse the repository under other names whose specs break the build, so one run shows
    a build failure next to graded instances.
    """
    root = tmp_path_factory.mktemp("harness-fixture")
    repos_dir = root / "repos"
    repo = repos_dir / "fixtures" / "calc"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "calc.py").write_text(CALC)
    (repo / "test_calc.py").write_text(TESTS_BASE)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    gold = make_diff(repo, "calc.py", CALC.replace("return a - b", "return a + b"))
    test_patch = make_diff(repo, "test_calc.py", TESTS_NEW)
    (repos_dir / "fixtures" / "broken").symlink_to(repo)

    specs_dir = root / "envs"
    specs_dir.mkdir()
    spec = textwrap.dedent(
        """\
        python: "3.11"
        bootstrap: []          # nothing to download: tests run offline
        install: "true"
        test_cmd: "python -m unittest -v"
        log_parser: django     # unittest's verbose lines, the same format Django's runner prints
        """
    )
    (specs_dir / "calc.yaml").write_text("repo: fixtures/calc\n" + spec)
    (specs_dir / "broken.yaml").write_text("repo: fixtures/broken\n" + spec.replace('install: "true"', 'install: "echo cannot build >&2; exit 3"'))

    def row(iid: str, repo_name: str = "fixtures/calc") -> dict:
        return {
            "instance_id": iid,
            "repo": repo_name,
            "base_commit": base,
            "patch": gold,
            "test_patch": test_patch,
            "FAIL_TO_PASS": json.dumps(["test_add (test_calc.CalcTests.test_add)"]),
            "PASS_TO_PASS": json.dumps(["test_mul (test_calc.CalcTests.test_mul)"]),
            "version": "1.0",
            "environment_setup_commit": base,
        }

    rows = {r["instance_id"]: r for r in (row("fixtures__calc-1"), row("fixtures__broken-1", "fixtures/broken"))}
    dataset = root / "dataset.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows.values()))
    return Fixture(repos_dir, repo, dataset, specs_dir, rows, gold)


@pytest.fixture(scope="session")
def base_image(docker_client) -> str:
    """orch-base:bookworm, built locally (CI builds it before the tests; this only finds it)."""
    from harness.images import ImageBuilder

    builder = ImageBuilder(docker_client, Path.home() / ".cache" / "orch")
    return builder.ensure_base("bookworm")
