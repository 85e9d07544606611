"""`Code` node properties <-> `Node`: what every read query returns and how it becomes a model."""

from __future__ import annotations

from typing import Any

from graph_index.models import Node, NodeKind

NODE_FIELDS = ("id", "kind", "name", "qualname", "path", "start_line", "end_line", "signature",
                "docstring", "content_hash", "language", "parent")
RETURN_NODE = "n {" + ", ".join("." + f for f in NODE_FIELDS) + "}"


def node_from(props: dict[str, Any]) -> Node:
    return Node(
        props["id"], NodeKind(props["kind"]), props["name"], props["qualname"], props["path"],
        props["start_line"], props["end_line"], props["signature"], props["docstring"],
        props["content_hash"], props["language"], props["parent"],
    )


