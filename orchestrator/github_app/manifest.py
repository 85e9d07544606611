"""The App manifest (configs/github-app-manifest.yaml) with this deployment's URLs filled in."""

from __future__ import annotations

from typing import Any

import yaml

from orchestrator.config import configs_dir

MANIFEST_FILE = "github-app-manifest.yaml"


def app_manifest(webhook_url: str, name: str | None = None, homepage: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((configs_dir() / MANIFEST_FILE).read_text(encoding="utf-8"))
    data["hook_attributes"]["url"] = webhook_url
    if name:
        data["name"] = name
    if homepage:
        data["url"] = homepage
    return data
