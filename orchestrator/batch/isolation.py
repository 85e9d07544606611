"""Run one task in its own process, so a crash, a hang or a runaway cost cannot touch the batch.

The worker is forked from a fork server that has already imported the task's module (so a
worker starts in milliseconds, not the seconds the workflow's imports take), in its own session:
on timeout the whole process group
gets SIGTERM (the task's context managers close sandboxes), then SIGKILL after a grace period.
The worker asks the kernel to kill it when its parent (the fork server, which exits with
the batch) dies, so a SIGKILLed batch leaves no orphaned solver running. The same function runs inside a Ray task on another node.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import multiprocessing as mp
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import structlog

from orchestrator.batch.models import InstanceResult, InstanceStatus, TaskSpec

log = structlog.get_logger(__name__)

TaskFunction = Callable[[TaskSpec], InstanceResult]

TERM_GRACE_S = 10.0
_PR_SET_PDEATHSIG = 1


class InfraError(RuntimeError):
    """Raised by a task function when the machine, not the instance, failed (Docker, image, clone).

    Exceptions whose class is named like the harness's infrastructure errors are treated the same,
    so task functions do not have to translate them.
    """


class InstanceTimeout(BaseException):
    """Raised inside the worker on SIGTERM so cleanup (sandbox close) runs before the kill."""


# The harness's machine-side failures (by class name, so this layer need not import them) and
# the docker SDK's; a solver bug or a bad instance raises anything else.
_INFRA_NAMES = ("InfraError", "EngineUnavailable", "SandboxError", "ImageBuildError", "RepoError",
                "DockerException", "CloneError")


def worker_dir(instance_dir: Path) -> Path:
    """The batch worker's own files (output.log, log.jsonl), apart from the solver's run record."""
    return instance_dir / "worker"


def resolve_task(path: str) -> TaskFunction:
    """`package.module:function` to the function."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        raise ValueError(f"task function must be 'module:function', got {path!r}")
    return getattr(importlib.import_module(module_name), attr)


def is_infra_error(exc: BaseException) -> bool:
    """True when the exception, or one it was raised from, is an infrastructure failure."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if any(base.__name__ in _INFRA_NAMES for base in type(cur).__mro__):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


class Interrupted(Exception):
    """The batch is stopping: the worker was killed and the instance stays unfinished (resumed later)."""


def run_isolated(spec: TaskSpec, should_stop: Callable[[], bool] | None = None) -> InstanceResult:
    """Run `spec.task` on `spec` in a killable child process; always returns a result.

    Raises Interrupted (after killing the worker) when `should_stop` turns true first.
    """
    instance_dir = Path(spec.instance_dir)
    instance_dir.mkdir(parents=True, exist_ok=True)
    ctx = _context(spec.task)
    reader, writer = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker_main, args=(spec.model_dump(mode="json"), writer, os.getpid()), daemon=False)
    # The first start also starts the fork server and its imports; that is not the instance's time.
    proc.start()
    started = time.monotonic()
    writer.close()
    deadline = started + spec.timeout_s
    payload: dict | None = None
    timed_out = stopped = False
    try:
        while True:
            if should_stop is not None and should_stop():
                stopped = True
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            if reader.poll(min(remaining, 1.0)):
                try:
                    payload = reader.recv()
                except EOFError:
                    payload = None
                break
            if not proc.is_alive():
                # Died without a word (segfault, OOM kill, os._exit).
                if reader.poll(0):
                    with contextlib.suppress(EOFError):
                        payload = reader.recv()
                break
    finally:
        if timed_out or stopped or proc.is_alive():
            _stop(proc, grace=TERM_GRACE_S if timed_out or stopped else 2.0)
        proc.join(5)
        # Whatever the task started and left behind in the worker's group goes with it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        reader.close()
    if stopped:
        raise Interrupted(spec.instance_id)
    duration = time.monotonic() - started
    node = socket.gethostname()
    if payload is not None:
        result = InstanceResult.model_validate(payload)
        # The batch's own identity of the attempt wins over whatever the task function filled in.
        return result.model_copy(update={"instance_id": spec.instance_id, "repo": result.repo or spec.repo,
                                         "attempt": spec.attempt, "run_dir": result.run_dir or spec.instance_dir,
                                         "duration_s": result.duration_s or duration, "node": node})
    base = {"instance_id": spec.instance_id, "repo": spec.repo, "attempt": spec.attempt,
            "run_dir": spec.instance_dir, "duration_s": duration, "node": node}
    if timed_out:
        return InstanceResult(**base, status=InstanceStatus.TIMEOUT, error=f"killed after {spec.timeout_s:g} s")
    code = proc.exitcode
    how = f"signal {-code} ({signal.Signals(-code).name})" if code is not None and code < 0 else f"exit code {code}"
    return InstanceResult(**base, status=InstanceStatus.CRASHED, error=f"worker died with {how}",
                          detail={"exitcode": code})


def _context(task: str) -> mp.context.BaseContext:
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    # Takes effect when this process starts its fork server, i.e. with the first worker.
    ctx.set_forkserver_preload([__name__, task.partition(":")[0]])
    return ctx


def _stop(proc: mp.process.BaseProcess, grace: float) -> None:
    """SIGTERM the worker's process group, then SIGKILL whatever is left."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        _signal_group(proc, sig)
        proc.join(wait)
        if not proc.is_alive():
            return


def _signal_group(proc: mp.process.BaseProcess, sig: int) -> None:
    pid = proc.pid
    if pid is None:
        return
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        # Not yet its own group leader (killed right after start): signal the process itself.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    except PermissionError:
        log.warning("batch.cannot_signal_worker", pid=pid)


def _worker_main(spec_data: dict, conn: Connection, supervisor_pid: int) -> None:
    os.setsid()
    _die_with(supervisor_pid)
    spec = TaskSpec.model_validate(spec_data)
    instance_dir = Path(spec.instance_dir)
    # Keep what the worker prints (including a fatal trace) with the instance's run record.
    worker_dir(instance_dir).mkdir(parents=True, exist_ok=True)
    log_fd = os.open(worker_dir(instance_dir) / "output.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)

    def on_term(signum: int, frame: object) -> None:
        raise InstanceTimeout()

    signal.signal(signal.SIGTERM, on_term)
    result = execute(spec)
    # CPU the instance cost this machine's host side (the worker and the commands it ran, not
    # the Docker daemon): what tells per-instance overhead apart from waiting on containers.
    t = os.times()
    cpu = round(t.user + t.system + t.children_user + t.children_system, 3)
    result = result.model_copy(update={"detail": {**result.detail, "worker_cpu_s": cpu}})
    conn.send(result.model_dump(mode="json"))
    conn.close()


def execute(spec: TaskSpec) -> InstanceResult:
    """Call the task function in this process, turning exceptions into recorded statuses."""
    from orchestrator.logs import bind_context, configure_logging, run_log_file

    configure_logging(str(spec.settings.get("run", {}).get("log_level", "info")), json_console=True)
    started = time.monotonic()
    base = {"instance_id": spec.instance_id, "repo": spec.repo, "attempt": spec.attempt, "run_dir": spec.instance_dir}
    with run_log_file(worker_dir(Path(spec.instance_dir))), bind_context(run_id=spec.batch_run_id, instance_id=spec.instance_id):
        try:
            fn = resolve_task(spec.task)
            result = fn(spec)
            return result.model_copy(update={"attempt": spec.attempt, "duration_s": result.duration_s or time.monotonic() - started})
        except InstanceTimeout:
            log.warning("batch.instance_timeout")
            return InstanceResult(**base, status=InstanceStatus.TIMEOUT, duration_s=time.monotonic() - started,
                                  error=f"stopped after {spec.timeout_s:g} s")
        except Exception as exc:
            infra = is_infra_error(exc)
            log.error("batch.instance_failed", infra=infra, exc_info=True)
            traceback.print_exc()
            return InstanceResult(**base, status=InstanceStatus.INFRA_ERROR if infra else InstanceStatus.CRASHED,
                                  duration_s=time.monotonic() - started, error=f"{type(exc).__name__}: {exc}"[:500])


def _die_with(supervisor_pid: int) -> None:
    """Kill this worker's whole process group the moment the process supervising it dies.

    The worker's parent is the fork server, which outlives a SIGKILLed batch for as long as any
    worker lives (each holds the server's liveness pipe), so the parent-death signal alone is not
    enough: a thread waits on a pidfd of the supervising process itself.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        pidfd = os.pidfd_open(supervisor_pid)
    except ProcessLookupError:
        os._exit(1)  # the supervisor died before this worker got going
    except (OSError, AttributeError):
        log.warning("batch.no_pidfd", supervisor_pid=supervisor_pid)
        return

    def watch() -> None:
        select.select([pidfd], [], [])
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, name="batch-supervisor-watch", daemon=True).start()


def infra_result(spec: TaskSpec, exc: BaseException) -> InstanceResult:
    """The record of an attempt the machine failed before or around the task itself."""
    return InstanceResult(instance_id=spec.instance_id, repo=spec.repo, attempt=spec.attempt,
                          run_dir=spec.instance_dir, status=InstanceStatus.INFRA_ERROR,
                          error=f"{type(exc).__name__}: {exc}"[:500], node=socket.gethostname())
