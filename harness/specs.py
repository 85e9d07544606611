"""Environment specs: how to install and test a repository at a version.

Two sources, one shape. The official SWE-bench per-repository, per-version specs
(`configs/swebench/python_specs.json`, copied verbatim from swebench 4.1.0), and small user YAML
files for any other repository (`configs/envs/*.yaml`, see `configs/envs/README.md`). A table of
extra pins (`configs/swebench/extra_pins.yaml`) adds what the official specs leave to conda or to
a newer toolchain, each with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import structlog
import yaml
from pydantic import BaseModel, ConfigDict, Field

log = structlog.get_logger(__name__)

_REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIGS_DIR = _REPO_ROOT / "configs"
SWEBENCH_SPECS = CONFIGS_DIR / "swebench" / "python_specs.json"
EXTRA_PINS = CONFIGS_DIR / "swebench" / "extra_pins.yaml"
USER_SPECS_DIR = CONFIGS_DIR / "envs"

#: Debian release whose system Python serves a spec's python version. The base image is built
#: from a Debian root file system, so only these three interpreters exist without a registry.
RELEASE_FOR_PYTHON = {"3.9": "bullseye", "3.11": "bookworm", "3.13": "trixie"}
PYTHON_FOR_RELEASE = {v: k for k, v in RELEASE_FOR_PYTHON.items()}


class SpecError(ValueError):
    """No usable spec for a repository/version."""


class EnvSpec(BaseModel):
    """Everything needed to build an environment image and to test in it."""

    model_config = ConfigDict(extra="ignore")

    repo: str
    version: str
    python: str = "3.11"
    """Python version the spec asks for (the image may substitute the nearest Debian one)."""
    packages: str | list[str] | None = None
    """`requirements.txt` (read the repo's requirements files), `environment.yml` (conda, not
    supported), or packages to pip-install."""
    pip_packages: list[str] = Field(default_factory=list)
    """Pinned packages installed after `packages`."""
    pre_install: list[str] = Field(default_factory=list)
    """Shell commands run as root in the repository before `install`."""
    install: str = "python -m pip install -e ."
    """Installs the repository itself (in the instance image)."""
    test_cmd: str = "pytest -rA"
    """Test command; the instance's test files are appended."""
    eval_commands: list[str] = Field(default_factory=list)
    """Shell commands run before the tests at evaluation time."""
    requirements_paths: list[str] = Field(default_factory=list)
    """Where `packages: requirements.txt` looks, first hit wins."""
    bootstrap: list[str] = Field(default_factory=lambda: ["pip<24.1", "setuptools<70", "wheel<0.42", "setuptools_scm<8"])
    """Build tooling installed first: old setup.py files need pre-70 setuptools (pkg_resources),
    pip 24.1+ rejects the legacy version strings some pinned old packages carry, and wheel
    0.42+ needs a newer `packaging` than several specs pin."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment variables at build and test time."""
    log_parser: str | None = None
    """Name in harness.log_parsers; None picks by repository."""
    nano_cpus: int | None = None
    """CPU quota the tests need (some suites skip multi-process tests on one CPU, which would
    make PASS_TO_PASS tests vanish from the log); raises the sandbox's CPU limit."""

    @property
    def release(self) -> str:
        return release_for_python(self.python)

    @property
    def python_substituted(self) -> bool:
        return PYTHON_FOR_RELEASE[self.release] != self.python


def release_for_python(version: str) -> str:
    """The Debian release whose python3 is closest to `version` (exact for 3.9/3.11/3.13)."""
    if version in RELEASE_FOR_PYTHON:
        return RELEASE_FOR_PYTHON[version]
    try:
        minor = int(version.split(".")[1])
    except (IndexError, ValueError) as exc:
        raise SpecError(f"unparsable python version {version!r}") from exc
    # Older code usually runs on a newer interpreter more often than the other way round, but
    # 3.5-3.8 code often breaks on 3.11 (removed collections aliases), so they get 3.9.
    if minor <= 10:
        return "bullseye"
    return "bookworm" if minor <= 12 else "trixie"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class SpecRegistry:
    """Specs by (repo, version): official SWE-bench specs overlaid with user YAML and pins."""

    def __init__(self, raw: dict[str, dict[str, dict[str, Any]]], reqs_paths: dict[str, list[str]], pins: dict[str, Any]) -> None:
        self._raw = raw
        self._reqs_paths = reqs_paths
        self._pins = pins

    @classmethod
    def load(cls, official: Path | None = SWEBENCH_SPECS, user_dirs: Iterable[Path] = (USER_SPECS_DIR,), pins: Path | None = EXTRA_PINS) -> SpecRegistry:
        raw: dict[str, dict[str, dict[str, Any]]] = {}
        reqs: dict[str, list[str]] = {}
        if official and official.exists():
            data = json.loads(official.read_text())
            for repo, versions in data["MAP_REPO_VERSION_TO_SPECS_PY"].items():
                raw[repo] = {str(v): dict(s) for v, s in versions.items()}
            reqs.update(data.get("MAP_REPO_TO_REQS_PATHS", {}))
        for d in user_dirs:
            for f in sorted(Path(d).glob("*.y*ml")) if Path(d).is_dir() else []:
                doc = yaml.safe_load(f.read_text()) or {}
                repo = doc.get("repo")
                if not repo:
                    continue
                versions = doc.get("versions") or {"*": {k: v for k, v in doc.items() if k not in ("repo", "versions")}}
                raw.setdefault(repo, {}).update({str(v): dict(s) for v, s in versions.items()})
                if "requirements_paths" in doc:
                    reqs[repo] = list(doc["requirements_paths"])
        pin_doc = yaml.safe_load(pins.read_text()) if pins and pins.exists() else {}
        return cls(raw, reqs, pin_doc or {})

    def repos(self) -> list[str]:
        return sorted(self._raw)

    def get(self, repo: str, version: str | None) -> EnvSpec:
        versions = self._raw.get(repo)
        if not versions:
            raise SpecError(f"no environment spec for {repo}; add one in configs/envs/")
        key = str(version) if version is not None else "*"
        raw = versions.get(key) or versions.get("*")
        if raw is None:
            raise SpecError(f"no environment spec for {repo} version {version} (known: {', '.join(sorted(versions))})")
        spec = dict(raw)
        for pin in self._pins.get("pins", []):
            if pin.get("repo") in (repo, "*") and key in [str(v) for v in _as_list(pin.get("versions", key))]:
                spec["pip_packages"] = _as_list(spec.get("pip_packages")) + _as_list(pin.get("pip_packages"))
                spec["pre_install"] = _as_list(spec.get("pre_install")) + _as_list(pin.get("pre_install"))
                spec["eval_commands"] = _as_list(spec.get("eval_commands")) + _as_list(pin.get("eval_commands"))
                spec.setdefault("env", {}).update(pin.get("env", {}))
                if "bootstrap" in pin:
                    spec["bootstrap"] = _as_list(pin["bootstrap"])
        test_cmd = spec.get("test_cmd", "pytest -rA")
        return EnvSpec(
            repo=repo,
            version=key,
            python=str(spec.get("python", "3.11")),
            packages=spec.get("packages"),
            pip_packages=_as_list(spec.get("pip_packages")),
            pre_install=_as_list(spec.get("pre_install")),
            install=spec.get("install", "python -m pip install -e ."),
            # a list means alternatives in the official specs; the first is the canonical one
            test_cmd=test_cmd[0] if isinstance(test_cmd, list) else test_cmd,
            eval_commands=_as_list(spec.get("eval_commands")),
            requirements_paths=self._reqs_paths.get(repo, ["requirements.txt"]),
            env=spec.get("env", {}),
            log_parser=spec.get("log_parser"),
            nano_cpus=spec.get("nano_cpus"),
            **({"bootstrap": spec["bootstrap"]} if "bootstrap" in spec else {}),
        )


@lru_cache(maxsize=1)
def default_registry() -> SpecRegistry:
    """The registry from the project's configs (cached: the files are read-only at run time)."""
    return SpecRegistry.load()
