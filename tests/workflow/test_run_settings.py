"""What a run record keeps of its settings and how a resume gets them back (pure, no services)."""

from __future__ import annotations

import json

import pytest

from orchestrator.config import load_settings
from orchestrator.workflow.run_settings import (
    SavedRunSettings,
    SavedSettingsError,
    dsn_without_password,
    new_thread_id,
    resumed_settings,
    saved_run_settings,
)


def settings(**overrides: object):
    return load_settings(env={}, overrides=overrides).settings


def saved(**overrides: object) -> SavedRunSettings:
    # Through JSON, as it is read back from settings.json.
    record = saved_run_settings(settings(**overrides), "t-1")
    return SavedRunSettings.model_validate_json(json.dumps(record.model_dump(mode="json")))


def test_saved_settings_win_over_the_current_configuration() -> None:
    record = saved(**{"harness.sandbox": "local", "model.name": "scripted:a.yaml", "workflow.review_rounds": 5})
    now = settings(**{"harness.sandbox": "docker", "run.log_level": "debug"})
    resumed = resumed_settings(now, record, explicit=())
    assert resumed.harness.sandbox == "local"
    assert resumed.model.name == "scripted:a.yaml" and resumed.workflow.review_rounds == 5
    assert resumed.run.log_level == "debug"  # not a setting that defines the run: stays current


def test_explicit_keys_win_over_saved_ones() -> None:
    record = saved(**{"harness.sandbox": "local", "harness.cpus": 2.0, "budget.steps": 4})
    now = settings(**{"harness.sandbox": "docker", "harness.cpus": 3.0, "budget.steps": 20})
    resumed = resumed_settings(now, record, explicit=["harness.sandbox", "budget"])
    assert resumed.harness.sandbox == "docker" and resumed.budget.steps == 20
    assert resumed.harness.cpus == 2.0  # same section, not given: saved


def test_secrets_are_not_saved_and_come_from_the_current_configuration() -> None:
    dsn = "postgresql://orch:s3cret@127.0.0.1:55432/orch"
    record = saved(**{"graph.neo4j.password": "s3cret", "workflow.checkpointer": "postgres",
                      "workflow.postgres_dsn": dsn})
    assert "s3cret" not in json.dumps(record.model_dump(mode="json"))
    now = settings(**{"graph.neo4j.password": "now-this"})
    resumed = resumed_settings(now, record, explicit=())
    assert resumed.graph.neo4j.password == "now-this"
    assert resumed.workflow.checkpointer == "postgres"
    # No DSN configured now: the saved one, whose password libpq finds in PGPASSWORD or ~/.pgpass.
    assert resumed.workflow.postgres_dsn is not None and "55432" in resumed.workflow.postgres_dsn
    # A DSN configured now carries the password: it is used.
    assert resumed_settings(settings(**{"workflow.postgres_dsn": dsn}), record, ()).workflow.postgres_dsn == dsn


@pytest.mark.parametrize(
    "dsn",
    ["postgresql://orch:pw@127.0.0.1:55432/orch?sslmode=disable", "host=127.0.0.1 port=55432 user=orch password=pw dbname=orch"],
)
def test_dsn_without_password(dsn: str) -> None:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(dsn_without_password(dsn))
    assert "password" not in params
    assert params["host"] == "127.0.0.1" and params["port"] == "55432" and params["dbname"] == "orch"


def test_unparseable_dsn_is_not_kept() -> None:
    assert dsn_without_password("host=x port") == ""


def test_keys_that_no_longer_exist_are_ignored_and_invalid_values_are_reported() -> None:
    record = saved()
    record.settings["harness"]["gone_knob"] = 1
    assert resumed_settings(settings(), record, ()).harness.sandbox == "auto"
    record.settings["harness"]["sandbox"] = "vm"
    with pytest.raises(SavedSettingsError, match="harness.sandbox"):
        resumed_settings(settings(), record, ())


def test_thread_ids_differ_for_the_same_run_id() -> None:
    assert new_thread_id("run") != new_thread_id("run")
