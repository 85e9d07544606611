"""`orch eval`: grade predictions in sandboxes like the SWE-bench harness."""

from __future__ import annotations

import typer

from orchestrator.cli.context import not_built


def register(root: typer.Typer) -> None:
    root.command("eval")(eval_predictions)


def eval_predictions() -> None:
    """Grade SWE-bench predictions (FAIL_TO_PASS / PASS_TO_PASS) in environment images."""
    not_built("eval", "issue #5: execution harness")
