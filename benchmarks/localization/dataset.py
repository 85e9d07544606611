"""SWE-bench Lite rows for the localization benchmark: splits, gold files and gold functions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "swebench_lite"

MIRROR_ROOT = Path("/work/.mirror")
# The test-split repositories the `fetch` tool serves with full history (the 140-row report set).
FETCHABLE = (
    "psf/requests",
    "pallets/flask",
    "pytest-dev/pytest",
    "pylint-dev/pylint",
    "mwaskom/seaborn",
    "sympy/sympy",
    "sphinx-doc/sphinx",
    "pydata/xarray",
    "astropy/astropy",
)
# ../shared/data/README.md: heuristics may be tuned on dev.jsonl and on the test rows of these
# repositories only; the other test rows are for reporting.
TUNE_TEST_REPOS = frozenset(
    {"psf/requests", "pallets/flask", "mwaskom/seaborn", "pytest-dev/pytest", "pylint-dev/pylint"}
)

_DIFF_HEADER = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class Instance:
    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str
    gold_files: tuple[str, ...]
    gold_functions: tuple[str, ...] = field(default=())
    split_file: str = "test"
    no_function_gold: str = ""
    """Why a test row has no function gold (see `why_no_function_gold`); empty when it has some."""


def gold_files_of(patch: str) -> tuple[str, ...]:
    """Files the gold patch edits (the pre-image path; Lite patches never rename)."""
    seen: dict[str, None] = {}
    for a_path, _b_path in _DIFF_HEADER.findall(patch):
        seen.setdefault(a_path, None)
    return tuple(seen)


_ADDED_DEF = re.compile(r"^\+\s*(?:async\s+)?def\s+\w+", re.MULTILINE)


def why_no_function_gold(patch: str) -> str:
    """Why the gold data names no function for a row: the patch only adds functions (none of
    them exists at the base commit, so no ranking can find them), or it edits module-level or
    class-body code (a constant, `__slots__`), which is no function's."""
    return "adds functions" if _ADDED_DEF.search(patch) else "module or class-level code"


def _rows(name: str) -> list[dict]:
    path = DATA_DIR / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load_instances(split: str, repos: set[str] | None = None) -> list[Instance]:
    """Rows of `split` (tune | report | all) whose repository can be fetched."""
    functions = {r["instance_id"]: tuple(r["edit_functions"]) for r in _rows("edit_functions.jsonl")}
    rows: list[tuple[str, dict]] = []
    if split in ("tune", "all"):
        rows += [("dev", r) for r in _rows("dev.jsonl")]
    for r in _rows("test.jsonl"):
        tune = r["repo"] in TUNE_TEST_REPOS
        if split == "all" or (split == "tune" and tune) or (split == "report" and not tune):
            rows.append(("test", r))
    out = []
    for split_file, r in rows:
        if repos and r["repo"] not in repos:
            continue
        if not (MIRROR_ROOT / r["repo"].replace("/", "+") / "repo").exists():
            continue  # not fetched (dev rows' repositories are optional)
        out.append(
            Instance(
                instance_id=r["instance_id"],
                repo=r["repo"],
                base_commit=r["base_commit"],
                problem_statement=r["problem_statement"],
                gold_files=gold_files_of(r["patch"]),
                gold_functions=functions.get(r["instance_id"], ()),
                split_file=split_file,
                no_function_gold=(
                    why_no_function_gold(r["patch"])
                    if split_file == "test" and not functions.get(r["instance_id"])
                    else ""
                ),
            )
        )
    return out
