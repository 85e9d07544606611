"""Go: functions, methods (`Type.Method`, attached to the type when it is in the same file),
struct and interface types, imports with aliases, calls, the package clause."""

from __future__ import annotations

import tree_sitter as ts
import tree_sitter_go

from graph_index.parsing.facts import FileFacts
from graph_index.parsing.generic import ImportRow, LanguageSpec, extract_with, text

_LANG = ts.Language(tree_sitter_go.language())
_QUERY = ts.Query(
    _LANG,
    """
    (function_declaration name: (_)) @function
    (method_declaration name: (_)) @function
    (type_spec name: (_) type: [(struct_type) (interface_type)]) @class
    (call_expression function: [(identifier) (selector_expression)] @call)
    (import_spec) @import
    (package_clause (package_identifier) @package)
    """,
)


def _def_name(node: ts.Node) -> tuple[str, str]:
    name = text(node.child_by_field_name("name"))
    if node.type != "method_declaration":
        return name, ""
    receiver = node.child_by_field_name("receiver")
    owner = ""
    if receiver is not None:
        for param in receiver.named_children:
            typ = param.child_by_field_name("type")
            owner = text(typ).lstrip("*").split("[", 1)[0]
    return name, owner


def _imports(node: ts.Node) -> list[ImportRow]:
    path = text(node.child_by_field_name("path")).strip('"`')
    alias = text(node.child_by_field_name("name"))
    return [(path, "", "" if alias in ("", "_", ".") else alias)]


SPEC = LanguageSpec("go", _LANG, _QUERY, _imports, def_name=_def_name)


def extract(data: bytes) -> FileFacts:
    """Facts of one Go file."""
    return extract_with(SPEC, data)
