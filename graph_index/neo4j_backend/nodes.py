"""The `Node` fields a `Code` node (repository, directory, file) carries as properties."""

from __future__ import annotations

NODE_FIELDS = ("id", "kind", "name", "qualname", "path", "start_line", "end_line", "signature",
                "docstring", "content_hash", "language", "parent")
