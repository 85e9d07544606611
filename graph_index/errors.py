"""Errors the graph package raises; messages are one line a user can act on."""

from __future__ import annotations


class GraphStoreError(Exception):
    """The index cannot be opened or used (corrupted, foreign, wrong version, unreachable server)."""


class NotIndexedError(GraphStoreError):
    """A query was made before the repository (or the requested commit) was indexed."""


class NodeNotFoundError(GraphStoreError, KeyError):
    """An id names no node in the current view."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
