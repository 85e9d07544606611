"""Text renderings for prompts: file skeletons and repository maps, from nodes alone."""

from __future__ import annotations

from collections.abc import Sequence

from graph_index.models import Node, NodeKind, RepoMap, RepoMapEntry

DOC_LINES = 6


def _doc_block(doc: str, indent: str) -> list[str]:
    if not doc:
        return []
    lines = doc.splitlines()
    if len(lines) > DOC_LINES:
        lines = [*lines[:DOC_LINES], "..."]
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}', *[f"{indent}{line}" if line else "" for line in lines[1:]], f'{indent}"""']


def render_skeleton(module: Node | None, definitions: Sequence[Node]) -> str:
    """A Python-looking outline: each definition's signature and docstring, bodies as `...`.
    `definitions` are one file's classes and functions; nesting comes from `parent`."""
    out: list[str] = []
    if module is not None and module.docstring:
        out += _doc_block(module.docstring, "")
        out.append("")
    depth: dict[str, int] = {}
    ordered = sorted(definitions, key=lambda n: (n.start_line, n.id))
    for node in ordered:
        level = depth.get(node.parent, -1) + 1 if ":" in node.parent else 0
        depth[node.id] = level
        indent = "    " * level
        if level == 0 and out and out[-1] != "":
            out.append("")
        sig_lines = node.signature.splitlines() or [node.name]
        out.extend(f"{indent}{line}" for line in sig_lines)
        out[-1] += ":" if not out[-1].rstrip().endswith((":", "{", ";")) and node.language == "python" else ""
        out += _doc_block(node.docstring, indent + "    ")
        has_children = any(n.parent == node.id for n in ordered)
        if not has_children:
            out.append(f"{indent}    ...")
    return "\n".join(out).rstrip() + "\n"


def estimate_tokens(text: str) -> int:
    """A model-free token estimate (about four characters per token for code)."""
    return (len(text) + 3) // 4


def render_repo_map(ranked: Sequence[tuple[Node, float]], token_budget: int) -> RepoMap:
    """Highest-scored symbols first, grouped by file in the text, until the budget is spent."""
    chosen: list[tuple[Node, float]] = []
    used = 0
    by_file: dict[str, list[Node]] = {}
    for node, score in ranked:
        if node.kind not in (NodeKind.CLASS, NodeKind.FUNCTION, NodeKind.TEST):
            continue
        line = node.signature.splitlines()[-1] if node.signature else node.name
        cost = estimate_tokens(line) + 2 + (0 if node.path in by_file else estimate_tokens(node.path) + 1)
        if used + cost > token_budget:
            if used >= token_budget * 0.9:
                break
            continue
        used += cost
        chosen.append((node, score))
        by_file.setdefault(node.path, []).append(node)
    lines: list[str] = []
    for path in sorted(by_file, key=lambda p: min(i for i, (n, _) in enumerate(chosen) if n.path == p)):
        lines.append(f"{path}:")
        for node in sorted(by_file[path], key=lambda n: n.start_line):
            sig = node.signature.splitlines()[-1] if node.signature else node.name
            lines.append(f"{'  ' if ':' in node.parent else ''}  {sig}")
    text = "\n".join(lines) + ("\n" if lines else "")
    return RepoMap([RepoMapEntry(n, s) for n, s in chosen], text, estimate_tokens(text))
