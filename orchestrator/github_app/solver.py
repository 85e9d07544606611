"""How a job reaches the solve workflow: any callable with `solve`'s signature.

The default is `orchestrator.workflow:solve`. Tests and other deployments name another
`module:function` in `app.solver` (a string, so a job stays plain data that could be shipped to
another process or a Ray worker).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeAlias

from orchestrator.config import OrchSettings
from orchestrator.github_app.errors import AppConfigError
from orchestrator.workflow import SolveRequest, SolveResult

Solver: TypeAlias = Callable[[SolveRequest, OrchSettings], SolveResult]


def load_solver(path: str) -> Solver:
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise AppConfigError(f"app.solver must be 'module:function', got {path!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AppConfigError(f"app.solver: cannot import {module_name!r}: {exc}") from None
    solver = getattr(module, attr, None)
    if not callable(solver):
        raise AppConfigError(f"app.solver: {path!r} is not a callable")
    return solver
