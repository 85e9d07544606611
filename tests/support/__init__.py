"""Helpers that give tests real services (Neo4j, ...) on loopback; import their modules directly."""
