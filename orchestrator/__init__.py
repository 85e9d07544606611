"""orch's top layer: the LangGraph workflow, run records, the CLI and the GitHub App."""

__version__ = "0.1.0"
