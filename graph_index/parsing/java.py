"""Java: classes, interfaces, enums, records, methods and constructors, imports, method calls
and `new`, `extends`/`implements`, the package."""

from __future__ import annotations

import tree_sitter as ts
import tree_sitter_java

from graph_index.parsing.facts import FileFacts
from graph_index.parsing.generic import ImportRow, LanguageSpec, extract_with, text

_LANG = ts.Language(tree_sitter_java.language())
_QUERY = ts.Query(
    _LANG,
    """
    (class_declaration name: (_)) @class
    (interface_declaration name: (_)) @class
    (enum_declaration name: (_)) @class
    (record_declaration name: (_)) @class
    (method_declaration name: (_)) @function
    (constructor_declaration name: (_)) @function
    (method_invocation) @call
    (object_creation_expression type: (_) @call)
    (import_declaration) @import
    (superclass (_) @inherit)
    (super_interfaces (type_list (_) @inherit))
    (package_declaration (_) @package)
    """,
)


def _call_target(node: ts.Node) -> str:
    if node.type != "method_invocation":
        return text(node).split("<", 1)[0]
    name = text(node.child_by_field_name("name"))
    obj = node.child_by_field_name("object")
    return f"{text(obj)}.{name}" if obj is not None else name


def _imports(node: ts.Node) -> list[ImportRow]:
    target = next((text(c) for c in node.named_children if c.type in ("scoped_identifier", "identifier")), "")
    wildcard = any(c.type == "asterisk" for c in node.children)
    return [(target, "*" if wildcard else "", "")]


SPEC = LanguageSpec("java", _LANG, _QUERY, _imports, call_target=_call_target)


def extract(data: bytes) -> FileFacts:
    """Facts of one Java file."""
    return extract_with(SPEC, data)
