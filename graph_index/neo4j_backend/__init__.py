"""The Neo4j backend of `CodeGraph`: a shared, browsable graph over Bolt (official driver)."""

from graph_index.neo4j_backend.backend import Neo4jGraph
from graph_index.neo4j_backend.readonly import WriteQueryRefused

__all__ = ["Neo4jGraph", "WriteQueryRefused"]
