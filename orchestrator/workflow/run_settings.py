"""What of the effective settings a run record keeps, and how a resumed run gets them back.

A run is defined by its model, budgets, graph, sandbox and workflow settings, however they were
given (configuration files, ORCH_* variables, `--set`, command options). They are saved in the
run directory (settings.json) when the run starts, so `orch solve --resume RUN_ID` continues with
the same sandbox, model and checkpoint store even when the configuration has changed since or the
resume command line does not repeat them. Only settings given explicitly for the resumed session
(command-line options and `--set`) change them.

Secrets are never written: the Neo4j password comes from the current configuration, and the
Postgres connection string is saved without its password, which the current configuration (or
libpq's PGPASSWORD / ~/.pgpass) supplies.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

if TYPE_CHECKING:
    from orchestrator.config import OrchSettings

PERSISTED_SECTIONS = ("model", "budget", "graph", "harness", "workflow")
# Never written to a run record.
SECRET_KEYS = frozenset({"graph.neo4j.password"})
POSTGRES_DSN = "workflow.postgres_dsn"


class SavedRunSettings(BaseModel):
    """settings.json: the run's checkpoint thread and the settings that define it."""

    model_config = ConfigDict(extra="ignore")

    thread_id: str
    """The LangGraph thread of this run; unique, so runs sharing a Postgres store never mix."""
    settings: dict[str, Any]
    """PERSISTED_SECTIONS of the effective settings, without secrets."""


class SavedSettingsError(Exception):
    """A run record's settings.json no longer validates (e.g. written by another orch version)."""


def new_thread_id(run_id: str) -> str:
    # Run ids may be chosen by the caller (--run-id) and repeat across run directories.
    return f"{run_id}.{secrets.token_hex(6)}"


def saved_run_settings(settings: OrchSettings, thread_id: str) -> SavedRunSettings:
    """What a new run writes to settings.json."""
    data = {name: getattr(settings, name).model_dump(mode="json") for name in PERSISTED_SECTIONS}
    for key in SECRET_KEYS:
        section, *path = key.split(".")
        _pop(data[section], path)
    dsn = data["workflow"].get("postgres_dsn")
    if dsn:
        data["workflow"]["postgres_dsn"] = dsn_without_password(dsn)
    return SavedRunSettings(thread_id=thread_id, settings=data)


def resumed_settings(current: OrchSettings, saved: SavedRunSettings, explicit: Collection[str]) -> OrchSettings:
    """`current` with every saved setting restored, except keys in `explicit` (dotted keys given for
    this session, which win) and the Postgres DSN when `current` has one (it carries the password)."""
    updates: dict[str, Any] = {}
    for name in PERSISTED_SECTIONS:
        section = getattr(current, name)
        data = section.model_dump(mode="json")
        for key, value in _leaves(saved.settings.get(name, {}), name):
            if _overlaps(key, explicit) or key in SECRET_KEYS:
                continue
            if key == POSTGRES_DSN and current.workflow.postgres_dsn:
                continue
            _put(data, key.split(".")[1:], value)
        try:
            updates[name] = type(section).model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join([name, *(str(p) for p in first["loc"])])
            raise SavedSettingsError(f"saved setting {where} is not valid any more: {first['msg']}") from None
    return current.model_copy(update=updates)


def dsn_without_password(dsn: str) -> str:
    """The connection string minus its password (URI or key=value form)."""
    try:
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = conninfo_to_dict(dsn)
    except Exception:  # no psycopg (the postgres extra) or unparseable
        return ""  # keep nothing rather than risk keeping a password
    params.pop("password", None)
    return make_conninfo(**params)


def _leaves(data: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        dotted = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            yield from _leaves(value, dotted)
        else:
            yield dotted, value


def _overlaps(key: str, explicit: Collection[str]) -> bool:
    """`--set harness=...` covers harness.sandbox; `--set harness.sandbox=...` covers that key only."""
    return any(key == e or key.startswith(e + ".") or e.startswith(key + ".") for e in explicit)


def _put(data: dict[str, Any], path: list[str], value: Any) -> None:
    node = data
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            return  # a section that no longer exists: nothing to restore into
        node = child
    if path and path[-1] in node:
        node[path[-1]] = value


def _pop(data: dict[str, Any], path: list[str]) -> None:
    node = data
    for part in path[:-1]:
        node = node.get(part, {})
    if isinstance(node, dict):
        node.pop(path[-1], None)
