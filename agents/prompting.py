"""Prompt templates (agents/prompts/*.j2), rendered with StrictUndefined: a missing variable is an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "prompts"),
    undefined=StrictUndefined,
    keep_trailing_newline=False,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,  # prompts are plain text for a model, not HTML
)


def render(template: str, **variables: Any) -> str:
    return _ENV.get_template(template).render(**variables).strip()
