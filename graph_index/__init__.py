"""The code knowledge graph: tree-sitter parsing, stores (embedded, Neo4j), retrieval, localization."""
