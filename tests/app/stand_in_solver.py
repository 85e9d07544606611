"""Stand-in solvers for the GitHub App's tests.

These are NOT mocks of GitHub (GitHub is played by the fake API server and a real bare git
repository). They stand in for the solve workflow (`orchestrator.workflow:solve`, issue 7): plain
deterministic functions with its signature, named in `app.solver`, so the App's job runner is
tested end to end without a chat model. Each writes a small run record like the real workflow
(run_dir/summary.json) and appends the request it got to `<state_dir>/solver-calls.jsonl`, and
records what it could see (environment, the clone's git config) in run_dir/seen.json so tests can
prove no token reached it.
"""

from __future__ import annotations

import difflib
import json
import os
import time
from pathlib import Path

from orchestrator.config import OrchSettings
from orchestrator.workflow import SolveRequest, SolveResult, SolveStatus

BUGGY = 'return "Helo, " + name\n'
FIXED = 'return "Hello, " + name\n'
# The run record's files, in the workflow's formats (orchestrator/records/model.py).
PLAN = {
    "summary": "The greeting drops an l.",
    "subtasks": [
        {"id": "s1", "role": "tester", "goal": "Reproduce the misspelled greeting with a failing test"},
        {"id": "s2", "role": "coder", "goal": "Fix the greeting in greet.py"},
    ],
}
TESTS = {"tests/test_greet.py::test_hello": "passed", "tests/test_greet.py::test_name": "passed"}
COST_USD = 0.42


def _state_dir(request: SolveRequest) -> Path:
    assert request.runs_dir is not None
    return request.runs_dir.parent


def _record(request: SolveRequest, solver: str) -> Path:
    assert request.runs_dir is not None and request.run_id is not None and request.repo is not None
    run_dir = request.runs_dir / request.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "request.json").write_text(request.model_dump_json())
    call = {
        "solver": solver,
        "run_id": request.run_id,
        "resume": request.resume,
        "budget_usd": request.budgets.cost_usd,
        "issue_title": request.issue_title,
        "commit": request.commit,
    }
    with (_state_dir(request) / "solver-calls.jsonl").open("a") as f:
        f.write(json.dumps(call) + "\n")
    repo = Path(request.repo)
    seen = {"env": dict(os.environ), "git_config": (repo / ".git" / "config").read_text(), "pid": os.getpid()}
    (run_dir / "seen.json").write_text(json.dumps(seen))
    return run_dir


def stand_in_fix(request: SolveRequest, settings: OrchSettings) -> SolveResult:
    """Fixes the seeded typo in greet.py and reports it resolved with test evidence."""
    run_dir = _record(request, "fix")
    old = (Path(request.repo or "") / "greet.py").read_text()
    new = old.replace(BUGGY, FIXED)
    patch = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "a/greet.py", "b/greet.py"))
    (run_dir / "plan.json").write_text(json.dumps(PLAN))
    (run_dir / "summary.json").write_text(json.dumps({"run_id": request.run_id, "status": "resolved", "cost_usd": COST_USD}))
    return SolveResult(
        run_id=request.run_id or "",
        status=SolveStatus.RESOLVED,
        run_dir=run_dir,
        patch=patch,
        cost_usd=COST_USD,
        tokens=1234,
        model_calls=7,
        duration_s=3.0,
        message="reproduction test fails before the fix and passes after it",
        tests=TESTS,
    )


def stand_in_failure(request: SolveRequest, settings: OrchSettings) -> SolveResult:
    """Ends like a run whose reviewer never approved: no usable patch."""
    run_dir = _record(request, "failure")
    summary = {"run_id": request.run_id, "status": "failed", "message": "review rejected the patch twice", "cost_usd": 0.17}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    return SolveResult(
        run_id=request.run_id or "",
        status=SolveStatus.FAILED,
        run_dir=run_dir,
        patch="",
        cost_usd=0.17,
        message="review rejected the patch twice",
    )


def stand_in_blocking_fix(request: SolveRequest, settings: OrchSettings) -> SolveResult:
    """Like stand_in_fix, but first waits until the test creates `<state_dir>/solver-release`.

    It announces itself with `<state_dir>/solver-started`, so a test can act (kill the server,
    send a second trigger) while the job is provably mid-solve.
    """
    state = _state_dir(request)
    assert request.runs_dir is not None and request.run_id is not None
    # The real workflow writes its request first; a restarted job finds it and resumes the run.
    run_dir = request.runs_dir / request.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "request.json").write_text(request.model_dump_json())
    (state / "solver-started").touch()
    deadline = time.monotonic() + 120
    while not (state / "solver-release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never released the blocking stand-in solver")
        time.sleep(0.05)
    return stand_in_fix(request, settings)
