"""The harness sits at the bottom of the dependency graph: it never imports the layers above."""

from __future__ import annotations

import ast
from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "harness"
FORBIDDEN = ("graph_index", "agents", "orchestrator")


def test_harness_imports_no_upper_layer() -> None:
    offenders = []
    for path in HARNESS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.relative_to(HARNESS)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_base_image_recipe_has_one_copy() -> None:
    wrapper = (HARNESS.parent / "scripts" / "docker" / "base-image.sh").read_text()
    assert "debootstrap --" not in wrapper  # only a pointer to the recipe
    assert "harness/resources/base-image.sh" in wrapper
