"""LLM-free localization: issue text in, ranked files and functions out, each with its evidence."""

from graph_index.localize.api import localize
from graph_index.localize.models import FileHit, FunctionHit, Localization

__all__ = ["FileHit", "FunctionHit", "Localization", "localize"]
