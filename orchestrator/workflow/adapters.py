"""Fits the lower packages (harness, graph_index, agents) to the workflow's ports.

This is the only module of the workflow that imports them, so an API change below touches one file.
"""

from __future__ import annotations

import io
import posixpath
import subprocess
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from orchestrator.records import RunRecorder
from orchestrator.workflow.ports import GraphPort, Sandbox
from orchestrator.workflow.state import Spend

if TYPE_CHECKING:
    from orchestrator.config import OrchSettings

log = structlog.get_logger(__name__)

_GIT_IDENTITY = "-c user.name=orch -c user.email=orch@localhost -c commit.gpgsign=false"


# -- sandbox ---------------------------------------------------------------------------------
def docker_available() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            client.ping()
        finally:
            client.close()
        return True
    except Exception:
        return False


def base_image_present(settings: OrchSettings) -> bool:
    """Whether the base image the docker sandbox starts examples from is built."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            client.images.get(f"orch-base:{settings.harness.base_release}")
        finally:
            client.close()
        return True
    except Exception:
        return False


def resolve_sandbox_kind(kind: str) -> str:
    if kind == "auto":
        return "docker" if docker_available() else "local"
    return kind


def sandbox_opener(settings: OrchSettings, request: Any = None):
    """Opens sandboxes at the run's commit. A dataset instance on Docker gets the harness's
    instance image (environment installed, repository at /testbed) so tests run as in grading."""
    kind = resolve_sandbox_kind(settings.harness.sandbox)
    h = settings.harness
    dataset = getattr(request, "dataset", None)
    instance_id = getattr(request, "instance_id", None)

    def open_local(repo_path: Path, commit: str) -> Sandbox:
        from harness import LocalSandbox

        return LocalSandbox(repo_path, commit, memory=h.memory, command_timeout=h.command_timeout)

    def open_docker(repo_path: Path, commit: str) -> Sandbox:
        from harness import (
            DockerSandbox,
            Limits,
            SpecError,
            build_environment,
            connect,
            reap_orphans,
        )

        client = connect()
        # A killed run (the one being resumed, say) could not remove its container; nothing else
        # in `orch solve` would, so each docker run clears those whose owning process is gone.
        reap_orphans(client)
        limits = Limits(cpus=h.cpus, memory=h.memory, pids=h.pids, command_timeout=h.command_timeout)
        if dataset is not None and instance_id:
            try:
                image = build_environment(dataset=dataset, instance_id=instance_id, settings=h)
            except SpecError as exc:
                # A repository nobody wrote an environment for still gets solved, on the bare
                # base image; its tests then see only what the repository itself carries.
                log.warning("sandbox.no_environment_spec", error=str(exc), image=f"orch-base:{h.base_release}")
            else:
                return DockerSandbox(image, limits=limits, labels={"orch.role": "solve"}, client=client)
        sb = DockerSandbox(f"orch-base:{h.base_release}", limits=limits, labels={"orch.role": "solve"}, client=client)
        try:
            _load_repo(sb, repo_path, commit)
        except Exception:
            sb.close()
            raise
        return sb

    opener = open_docker if kind == "docker" else open_local
    opener.kind = kind  # type: ignore[attr-defined]
    return opener


def _load_repo(sb: Any, repo_path: Path, commit: str) -> None:
    """The repository at `commit` as a fresh git repository in the container's workspace."""
    archive = subprocess.run(
        ["git", "-C", str(repo_path), "archive", "--format=tar", commit], capture_output=True, check=True
    ).stdout
    # The archive carries the workspace directory itself, so the sandbox user owns it (Docker
    # creates the working directory as root).
    parent, name = posixpath.split(sb.workdir.rstrip("/"))
    sb.put_tar(parent or "/", _chown_tar(archive, prefix=name))
    init = sb.run(
        f"cd {sb.workdir} && git init -q && git {_GIT_IDENTITY} add -A && "
        f"git {_GIT_IDENTITY} commit -q -m base && git rev-parse HEAD",
        timeout=300,
    )
    if init.exit_code != 0:
        raise RuntimeError(f"cannot initialise the workspace: {init.output.strip()[-300:]}")
    # The sandbox takes HEAD as its base commit when first asked, which is this commit.


def _chown_tar(data: bytes, prefix: str, uid: int = 1000, gid: int = 1000) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(data)) as src, tarfile.open(fileobj=out, mode="w") as dst:
        top = tarfile.TarInfo(prefix)
        top.type, top.mode, top.uid, top.gid = tarfile.DIRTYPE, 0o755, uid, gid
        dst.addfile(top)
        for member in src.getmembers():
            if member.type == tarfile.XGLTYPE or member.name == "pax_global_header":
                continue
            member.name = f"{prefix}/{member.name}"
            member.uid, member.gid, member.uname, member.gname = uid, gid, "", ""
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    return out.getvalue()


def _plain(value: Any) -> dict[str, Any]:
    """A pydantic model, dataclass or mapping as JSON-safe plain data (for the checkpoint)."""
    import dataclasses
    import json

    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(dict(value or {}), default=str))


# -- graph -----------------------------------------------------------------------------------
class _Graph:
    def __init__(self, graph: Any, stats: Any) -> None:
        self._graph = graph
        self._stats = stats

    @property
    def graph(self) -> Any:
        return self._graph

    def stats(self) -> dict[str, Any]:
        return _plain(self._stats)

    def localize(self, issue_text: str, top_k: int) -> dict[str, Any]:
        from graph_index import localize

        result = localize(self._graph, issue_text, top_k=top_k)
        # The `orch localize --json` contract, the shape the planner's prompt renders.
        return _plain(result.to_json_dict())

    def close(self) -> None:
        self._graph.close()


def graph_opener(settings: OrchSettings):
    def open_(repo_path: Path, commit: str) -> GraphPort:
        import graph_index

        graph = graph_index.open_graph(settings.graph, repo_path, commit)
        stats = graph.index(repo_path, commit)
        return _Graph(graph, stats)

    return open_


# -- model and agents ------------------------------------------------------------------------
def model_client(settings: OrchSettings, spend: Spend, recorder: RunRecorder) -> Any:
    """The run's ModelClient, continuing `spend`. A scripted model skips the responses a
    resumed run already consumed, so a resume does not replay them."""
    import agents
    from agents.scripted import load_script  # TODO(agents): export load_script

    def hook(event: Any) -> None:
        data = event.model_dump(mode="json")
        kind = data.pop("kind", "event")
        role = data.pop("role", None)
        recorder.event(kind, role=role, **data)

    chat = None
    name = settings.model.name
    if name.startswith("scripted:") and spend.steps:
        path = Path(name.split(":", 1)[1])
        chat = agents.ScriptedChatModel(responses=load_script(path)[spend.steps :], name_hint=name)
    return agents.build_model_client(settings.model, settings.budget, spent=spend.model_copy(), hooks=[hook], chat=chat)


def roles(settings: OrchSettings) -> Any:
    if settings.workflow.roles == "json":
        from orchestrator.workflow.json_roles import JsonRoles

        return JsonRoles()
    from orchestrator.workflow.agent_roles import AgentRoles

    return AgentRoles(settings)
