"""Docker backend: one container per sandbox, started from an environment image.

Isolation: `network_mode=none` (only `lo` exists), CPU/memory/pids limits, no swap, every
capability dropped, `no-new-privileges`, a non-root user. The container's PID 1 is a tiny bash
loop, and the kernel never delivers `kill -1` to a namespace's init, so `kill -KILL -1` run as the
sandbox user ends every other process, including daemons a test double-forked out of its group.
Every container carries `orch.*` labels; `reap_orphans` removes the ones whose owner died.
"""

from __future__ import annotations

import io
import os
import posixpath
import socket
import tarfile
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import structlog

from harness.sandbox import (
    DEFAULT_MAX_OUTPUT,
    CommandResult,
    EngineUnavailable,
    SandboxError,
    truncate_middle,
)
from harness.sandboxes._git import GitWorkspace

log = structlog.get_logger(__name__)

LABEL = "orch.sandbox"
OWNER_LABEL = "orch.owner"
SANDBOX_USER = "1000:1000"
# PID 1 must survive `kill -1` and reap orphans; bash reaps any child on SIGCHLD.
_PID1 = ["bash", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"]


def connect(timeout: float = 30.0) -> Any:
    """A docker SDK client that has answered a ping, or `EngineUnavailable` saying how to fix it."""
    import docker

    where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        client = docker.from_env(timeout=int(timeout))
        client.ping()
    except Exception as exc:  # the SDK raises several unrelated types for "no engine"
        raise EngineUnavailable(
            f"Docker engine unavailable at {where}: {type(exc).__name__}: {exc}. "
            "Start it with scripts/docker/setup.sh, or use the local (unisolated) sandbox."
        ) from exc
    return client


@dataclass(frozen=True)
class Limits:
    cpus: float = 1.0
    memory: str = "4g"
    pids: int = 512
    command_timeout: float = 600.0


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _remove(client: Any, container_id: str) -> None:
    try:
        client.api.remove_container(container_id, force=True, v=True)
    except Exception as exc:  # already gone, or the engine died: nothing more to do here
        if "No such container" not in str(exc):
            log.warning("sandbox.remove_failed", container=container_id[:12], error=str(exc))


def reap_orphans(client: Any) -> list[str]:
    """Remove sandbox containers whose owning process on this host is gone. Returns their ids."""
    host = socket.gethostname()
    removed = []
    for c in client.api.containers(all=True, filters={"label": LABEL}):
        owner = (c.get("Labels") or {}).get(OWNER_LABEL, "")
        owner_host, _, pid = owner.rpartition(":")
        if owner_host != host or not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # owner alive
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # alive, someone else's
        _remove(client, c["Id"])
        removed.append(c["Id"])
    if removed:
        log.info("sandbox.reaped_orphans", count=len(removed))
    return removed


class _Capture:
    """Keeps the head and a rolling tail of a byte stream, so memory stays bounded."""

    def __init__(self, limit: int) -> None:
        self.half = max(limit // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * self.half:
                cut = len(self.tail) - self.half
                self.dropped += cut
                del self.tail[:cut]

    def text(self, limit: int) -> tuple[str, bool]:
        body = (self.head + self.tail).decode("utf-8", errors="replace")
        if self.dropped:
            mid = len(self.head.decode("utf-8", errors="replace"))
            body = f"{body[:mid]}\n[... {self.dropped} bytes truncated ...]\n{body[mid:]}"
            text, _ = truncate_middle(body, limit + 100)
            return text, True
        return truncate_middle(body, limit)


class DockerSandbox(GitWorkspace):
    """A container from `image` whose workspace `workdir` is a git repository at `base_commit`."""

    isolated = True

    def __init__(
        self,
        image: str,
        *,
        workdir: str = "/testbed",
        limits: Limits = Limits(),
        env: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        client: Any | None = None,
        user: str = SANDBOX_USER,
    ) -> None:
        self.image = image
        self.workdir = workdir
        self.limits = limits
        self.user = user
        self._env = dict(env or {})
        self._client = client or connect()
        self._lock = threading.Lock()
        self._oom_seen = 0
        self._closed = False
        self.log = log.bind(image=image)
        all_labels = {LABEL: "1", OWNER_LABEL: _owner(), "orch.created": str(int(time.time())), **(labels or {})}
        try:
            container = self._client.containers.run(
                image,
                command=_PID1,
                detach=True,
                network_mode="none",
                user=user,
                working_dir=workdir,
                environment=self._env,
                labels=all_labels,
                nano_cpus=int(limits.cpus * 1e9),
                mem_limit=limits.memory,
                memswap_limit=limits.memory,  # no swap: an OOM must be an OOM, not a crawl
                pids_limit=limits.pids,
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                hostname="sandbox",
            )
        except Exception as exc:
            raise SandboxError(f"cannot start container from {image}: {type(exc).__name__}: {exc}") from exc
        self.container_id: str = container.id
        # Runs at close(), at garbage collection and at interpreter exit, whichever comes first.
        self._finalizer = weakref.finalize(self, _remove, self._client, container.id)
        self.log = self.log.bind(container=container.id[:12])
        # The base commit is resolved on first use (diff/reset), not here: an exec costs ~50 ms
        # and most sandboxes of a batch run never need it; callers that load the repository
        # after start-up get the right commit too.
        self._base: str | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._finalizer()

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- commands ------------------------------------------------------------------------------
    def run(self, cmd: str, timeout: float | None = None, *, max_output: int = DEFAULT_MAX_OUTPUT) -> CommandResult:
        if self._closed:
            raise SandboxError("sandbox is closed")
        timeout = self.limits.command_timeout if timeout is None else timeout
        api = self._client.api
        with self._lock:  # one command at a time: the timeout kill is container-wide
            start = time.monotonic()
            try:
                exec_id = api.exec_create(
                    self.container_id, ["bash", "-c", cmd], user=self.user, workdir=self.workdir, environment=self._env
                )["Id"]
                stream = api.exec_start(exec_id, stream=True, demux=True)
            except Exception as exc:
                raise SandboxError(f"exec failed in {self.container_id[:12]}: {type(exc).__name__}: {exc}") from exc
            out, err = _Capture(max_output), _Capture(max_output)
            failure: list[BaseException] = []

            def pump(chunks: Iterable[tuple[bytes | None, bytes | None]]) -> None:
                try:
                    for o, e in chunks:
                        if o:
                            out.add(o)
                        if e:
                            err.add(e)
                except Exception as exc:  # engine vanished mid-stream
                    failure.append(exc)

            reader = threading.Thread(target=pump, args=(stream,), daemon=True)
            reader.start()
            deadline = start + timeout
            timed_out = False
            while True:
                reader.join(max(0.0, min(0.5, deadline - time.monotonic())))
                if not reader.is_alive():
                    break
                if time.monotonic() >= deadline:
                    timed_out = True
                    self.log.warning("sandbox.timeout", timeout=timeout, cmd=cmd[:200])
                    self._kill_all()
                    reader.join(30)
                    break
                # The command exited but a background child (`server &`) still holds its stdout:
                # the stream would stay open until that child dies, so stop reading.
                if not api.exec_inspect(exec_id).get("Running", True):
                    reader.join(1.0)
                    break
            duration = time.monotonic() - start
            if failure and not timed_out:
                raise SandboxError(f"lost the command stream: {type(failure[0]).__name__}: {failure[0]}")
            try:
                code = api.exec_inspect(exec_id).get("ExitCode")
            except Exception as exc:
                raise SandboxError(f"cannot inspect exec: {exc}") from exc
            exit_code = 137 if code is None or timed_out else int(code)
            oom = False
            if exit_code != 0 and not timed_out:
                oom = self.new_oom_kills()
            so, t1 = out.text(max_output)
            se, t2 = err.text(max_output)
            return CommandResult(exit_code, so, se, duration, timed_out=timed_out, oom_killed=oom, truncated=t1 or t2)

    def _kill_all(self) -> None:
        # As the sandbox user (every process runs as it); `-1` spares PID 1 and the caller.
        try:
            self._client.api.exec_start(
                self._client.api.exec_create(self.container_id, ["kill", "-KILL", "-1"], user=self.user)["Id"]
            )
        except Exception as exc:
            self.log.error("sandbox.kill_failed", error=str(exc))

    def new_oom_kills(self) -> bool:
        """Whether the kernel OOM-killed anything in this container since the last check.

        `run` checks this itself when a command fails; callers whose command can survive the
        death of a child (a script that goes on after its test runner is killed) ask directly.
        """
        # cgroup v1 exposes oom_kill in memory.oom_control, v2 in memory.events; both count kills
        # in this container's cgroup, which includes every exec'd process.
        probe = (
            "cat /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events 2>/dev/null"
            " | awk '$1==\"oom_kill\"{print $2; exit}'"
        )
        try:
            exec_id = self._client.api.exec_create(self.container_id, ["sh", "-c", probe], user=self.user)["Id"]
            raw = self._client.api.exec_start(exec_id).decode().strip()
            count = int(raw or 0)
        except Exception:
            info = self._client.api.inspect_container(self.container_id)
            return bool(info.get("State", {}).get("OOMKilled"))
        new = count > self._oom_seen
        self._oom_seen = count
        return new

    # -- files ---------------------------------------------------------------------------------
    def _scratch_dir(self) -> str:
        return "/tmp"

    def read_file(self, path: str) -> str:
        full = self._resolve(path)
        try:
            chunks, _ = self._client.api.get_archive(self.container_id, full)
        except Exception as exc:
            raise FileNotFoundError(f"{path}: {exc}") from exc
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
            member = tar.next()
            if member is None or not member.isfile():
                raise IsADirectoryError(path)
            data = tar.extractfile(member)
            return data.read().decode("utf-8", errors="replace") if data else ""

    def write_file(self, path: str, content: str) -> None:
        self._write_abs(self._resolve(path), content)

    def _write_abs(self, path: str, content: str) -> None:
        directory, name = posixpath.split(path)
        self.put_files(directory, {name: content.encode()})

    def put_files(self, directory: str, files: Mapping[str, bytes], mode: int = 0o644) -> None:
        """Copy files into `directory` (created if missing), owned by the sandbox user."""
        uid, gid = (int(x) for x in self.user.split(":"))
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            made: set[str] = set()
            for name, data in files.items():
                parts = name.split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    d = "/".join(parts[:i])
                    if d not in made:
                        made.add(d)
                        info = tarfile.TarInfo(d)
                        info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, 0o755, uid, gid
                        tar.addfile(info)
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.uid, info.gid, info.mtime = len(data), mode, uid, gid, int(time.time())
                tar.addfile(info, io.BytesIO(data))
        mk = self.run(f"mkdir -p '{directory}'", timeout=60)
        if not mk.ok:
            raise SandboxError(f"cannot create {directory}: {mk.output.strip()}")
        if not self._client.api.put_archive(self.container_id, directory, buf.getvalue()):
            raise SandboxError(f"cannot copy files into {directory}")

    def put_tar(self, directory: str, data: bytes) -> None:
        """Extract a tar archive into `directory` (which must exist)."""
        if not self._client.api.put_archive(self.container_id, directory, data):
            raise SandboxError(f"cannot copy archive into {directory}")
