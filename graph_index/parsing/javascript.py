"""JavaScript, TypeScript and TSX: classes, functions (incl. `const f = () => ...`), methods,
ES imports and `require`, calls (`this.m()` included), `extends`."""

from __future__ import annotations

from functools import cache

import tree_sitter as ts

from graph_index.parsing.facts import FileFacts
from graph_index.parsing.generic import ImportRow, LanguageSpec, extract_with, text

_COMMON = """
(function_declaration name: (_)) @function
(generator_function_declaration name: (_)) @function
(method_definition name: (_)) @function
(variable_declarator name: (identifier) value: [(arrow_function) (function_expression)]) @function
(call_expression function: [(identifier) (member_expression)] @call)
(new_expression constructor: [(identifier) (member_expression)] @call)
(import_statement) @import
(variable_declarator name: (identifier) value: (call_expression function: (identifier) @_req arguments: (arguments (string)))) @import
"""
_JS = _COMMON + """
(class_declaration name: (_)) @class
(class_heritage (_) @inherit)
"""
_TS = _COMMON + """
(class_declaration name: (_)) @class
(abstract_class_declaration name: (_)) @class
(interface_declaration name: (_)) @class
(extends_clause value: (_) @inherit)
(implements_clause (_) @inherit)
"""


def _unquote(node: ts.Node | None) -> str:
    return text(node).strip("'\"`")


def _imports(node: ts.Node) -> list[ImportRow]:
    if node.type == "variable_declarator":  # const x = require('./m')
        value = node.child_by_field_name("value")
        fn = value.child_by_field_name("function") if value is not None else None
        if text(fn) != "require":
            return []
        args = value.child_by_field_name("arguments")
        source = next((c for c in args.named_children if c.type == "string"), None) if args else None
        return [(_unquote(source), "", text(node.child_by_field_name("name")))]
    source = _unquote(node.child_by_field_name("source"))
    rows: list[ImportRow] = []
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    if clause is None:
        return [(source, "", "")]
    for child in clause.named_children:
        if child.type == "identifier":
            rows.append((source, "default", text(child)))
        elif child.type == "namespace_import":
            ident = next((c for c in child.named_children if c.type == "identifier"), None)
            rows.append((source, "", text(ident)))
        elif child.type == "named_imports":
            for spec in child.named_children:
                if spec.type == "import_specifier":
                    name = text(spec.child_by_field_name("name"))
                    alias = text(spec.child_by_field_name("alias"))
                    rows.append((source, name, alias if alias != name else ""))
    return rows


@cache
def _spec(language: str) -> LanguageSpec:
    if language == "javascript":
        import tree_sitter_javascript as tsj

        lang = ts.Language(tsj.language())
        return LanguageSpec(language, lang, ts.Query(lang, _JS), _imports)
    import tree_sitter_typescript as tst

    lang = ts.Language(tst.language_tsx() if language == "tsx" else tst.language_typescript())
    return LanguageSpec(language, lang, ts.Query(lang, _TS), _imports)


def extract_for(language: str, data: bytes) -> FileFacts:
    """Facts of one JavaScript, TypeScript or TSX file."""
    return extract_with(_spec(language), data)
