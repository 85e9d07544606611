"""A stand-in solver for tests and benchmarks of the batch machinery. It is not a solver.

`standin_solve` behaves as each dataset row's optional `standin` field says, deterministically:
  {"sleep": 0.5}                  wait, then finish
  {"cost": 0.25}                  report this spend (or stop at the instance's cap, as a solver does)
  {"crash": "raise"|"segfault"|"exit"}   fail the way a buggy or poisoned instance does
  {"hang": true}                  never return (the batch must kill it)
  {"infra": true}                 fail as the machine would (retryable with --retry-infra)
  {"infra_once": true}            fail as infra on the first attempt only
  {"no_patch": true}              finish without a patch
  {"patch": "gold"}               finish with the row's gold patch (to exercise grading)
  {"container": {"image": "...", "work": 3000000}}   burn CPU inside a Docker container
Without the field it finishes at once with `standin_patch(instance_id)`, so the predictions of a
run are known in advance. The real task is `orchestrator.batch.task:solve_instance`.
"""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path

from orchestrator.batch.isolation import InfraError
from orchestrator.batch.models import InstanceResult, InstanceStatus, TaskSpec

STANDIN_TASK = "orchestrator.batch.standin:standin_solve"


def standin_patch(instance_id: str) -> str:
    return (
        "diff --git a/STANDIN.txt b/STANDIN.txt\n"
        "new file mode 100644\n"
        "--- /dev/null\n"
        "+++ b/STANDIN.txt\n"
        "@@ -0,0 +1 @@\n"
        f"+stand-in patch for {instance_id}\n"
    )


def standin_solve(spec: TaskSpec) -> InstanceResult:
    how = dict(spec.instance.get("standin") or {})
    started = time.monotonic()
    run_dir = Path(spec.instance_dir)
    # Lets a test find the processes that are inside a task (past worker start-up).
    (run_dir / "standin.pid").write_text(str(os.getpid()))
    if how.get("infra") or (how.get("infra_once") and spec.attempt == 1):
        raise InfraError("stand-in: simulated infrastructure failure")
    crash = how.get("crash")
    if crash == "raise":
        raise RuntimeError("stand-in: simulated solver bug")
    if crash == "segfault":
        ctypes.string_at(0)
    if crash == "exit":
        os._exit(3)
    if how.get("hang"):
        while True:
            time.sleep(3600)
    if how.get("sleep"):
        time.sleep(float(how["sleep"]))
    if how.get("container"):
        _burn_in_container(**how["container"])
    cost = float(how.get("cost", 0.0))
    if spec.cost_cap_usd is not None and cost > spec.cost_cap_usd:
        # What a real solver does at its cap: stop before the call that would pass it.
        return InstanceResult(instance_id=spec.instance_id, repo=spec.repo, status=InstanceStatus.BUDGET_EXHAUSTED,
                              cost_usd=spec.cost_cap_usd, duration_s=time.monotonic() - started, run_dir=str(run_dir),
                              error=f"cost cap ${spec.cost_cap_usd:g} reached", detail={"solver": "stand-in"})
    patch = "" if how.get("no_patch") else standin_patch(spec.instance_id)
    if how.get("patch") == "gold":
        patch = str(spec.instance.get("patch", ""))
    (run_dir / "patch.diff").write_text(patch, encoding="utf-8")
    return InstanceResult(
        instance_id=spec.instance_id, repo=spec.repo, status=InstanceStatus.PATCHED if patch else InstanceStatus.NO_PATCH,
        patch=patch, cost_usd=cost, duration_s=time.monotonic() - started,
        run_dir=str(run_dir), detail={"solver": "stand-in"},
    )


def _burn_in_container(image: str, work: int = 3_000_000) -> None:
    """A fixed amount of CPU work in a network-less container: the shape of running a test suite."""
    import docker

    client = docker.from_env(timeout=60)
    try:
        client.containers.run(
            image, ["python3", "-c", f"sum(i * i for i in range({int(work)}))"],
            network_mode="none", remove=True, nano_cpus=1_000_000_000,
        )
    finally:
        client.close()
