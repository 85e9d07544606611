from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from orchestrator.config import ConfigError, OrchSettings, configs_dir, load_settings


def _leaves(model: BaseModel, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            out.update(_leaves(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = value
    return out


def test_default_yaml_holds_every_knob_with_the_model_default() -> None:
    loaded = load_settings(env={})
    assert loaded.settings == OrchSettings()
    yaml_leaves = {k for k, _, s in loaded.flat() if s == "configs/default.yaml"}
    assert yaml_leaves == set(_leaves(OrchSettings())), "default.yaml must list every setting"


def test_default_yaml_comments_every_knob() -> None:
    lines = (configs_dir() / "default.yaml").read_text().splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and ":" in stripped:
            assert lines[i - 1].strip().startswith("#"), f"no comment above {stripped!r}"


def test_layers_apply_in_order_and_record_their_source(tmp_path: Path) -> None:
    user = tmp_path / "user.yaml"
    user.write_text(yaml.safe_dump({"graph": {"backend": "neo4j"}, "workflow": {"candidates": 3}}))
    env = {"ORCH_WORKFLOW__CANDIDATES": "4", "ORCH_REQUIRE_SERVICES": "1"}
    loaded = load_settings([user], env=env, overrides={"budget.cost_usd": "0.5"})
    s = loaded.settings
    assert s.graph.backend == "neo4j" and loaded.source_of("graph.backend") == str(user)
    assert s.workflow.candidates == 4 and loaded.source_of("workflow.candidates") == "env ORCH_WORKFLOW__CANDIDATES"
    assert s.budget.cost_usd == 0.5 and loaded.source_of("budget.cost_usd") == "option budget.cost_usd"
    assert loaded.source_of("run.log_level") == "configs/default.yaml"


def test_orch_config_env_var_names_user_files(tmp_path: Path) -> None:
    user = tmp_path / "a.yaml"
    user.write_text("run:\n  log_level: debug\n")
    loaded = load_settings(env={"ORCH_CONFIG": str(user)})
    assert loaded.settings.run.log_level == "debug"


@pytest.mark.parametrize(
    ("content", "env", "needle"),
    [
        ("graph:\n  backnd: neo4j\n", {}, "unknown configuration key 'graph.backnd' (from {file})"),
        ("workflow:\n  candidates: many\n", {}, "invalid value for 'workflow.candidates' (from {file})"),
        ("", {"ORCH_GRAPH__BACKEND": "mysql"}, "'graph.backend' (from env ORCH_GRAPH__BACKEND)"),
        ("", {"ORCH_NOPE__X": "1"}, "unknown configuration key 'nope' (from env ORCH_NOPE__X)"),
        ("graph: [unclosed\n", {}, "{file}:"),
        ("- a list\n", {}, "top level must be a mapping"),
    ],
)
def test_bad_configuration_is_one_clear_line(tmp_path: Path, content: str, env: dict, needle: str) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_settings([f], env=env)
    message = str(info.value)
    assert "\n" not in message
    assert needle.format(file=f) in message


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file not found: .*missing\.yaml"):
        load_settings([tmp_path / "missing.yaml"], env={})


def test_on_and_off_switches_survive_yaml_booleans(tmp_path: Path) -> None:
    # YAML 1.1 reads bare on/off as booleans, in files, --set values and environment variables alike.
    user = tmp_path / "user.yaml"
    user.write_text("graph:\n  piece_cache: off\n")
    assert load_settings([user], env={}).settings.graph.piece_cache == "off"
    assert load_settings(env={"ORCH_GRAPH__PIECE_CACHE": "on"}).settings.graph.piece_cache == "on"
    assert load_settings(env={}, overrides={"graph.piece_cache": "off"}).settings.graph.piece_cache == "off"
    assert load_settings(env={}, overrides={"graph.piece_cache": "auto"}).settings.graph.piece_cache == "auto"
