"""A RepoView straight from a checkout with Python's `ast` (the baseline's view, and a debugging
reference to compare the graph-backed view against)."""

from __future__ import annotations

import ast
import bisect
import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from graph_index.localize.view import RepoView, Symbol

_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".tox", "build", "dist"}


def _module_index(paths: list[str]) -> dict[str, str]:
    out = {}
    for p in paths:
        mod = p[:-3].replace("/", ".")
        if mod.endswith(".__init__"):
            mod = mod[: -len(".__init__")]
        out[mod] = p
        # src layouts: `src/pkg/x.py` is imported as `pkg.x`
        if mod.startswith(("src.", "lib.")):
            out.setdefault(mod.split(".", 1)[1], p)
    return out


class ViewCache:
    """Per-content memo: instances of one repository share most files across commits."""

    def __init__(self) -> None:
        self.parsed: dict[tuple[str, str, bool], tuple[dict[str, Symbol], set[str]]] = {}
        self.terms: dict[tuple[str, str], Counter] = {}

    def counter(self, tokenizer: Callable[[str], list[str]]) -> Callable[[str], Counter]:
        name = tokenizer.__name__

        def count(text: str) -> Counter:
            key = (name, hashlib.sha1(text.encode("utf-8", "replace")).hexdigest())
            hit = self.terms.get(key)
            if hit is None:
                hit = self.terms[key] = Counter(tokenizer(text))
            return hit

        return count


_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)


def _regex_symbols(path: str, text: str) -> dict[str, Symbol]:
    """Top-level functions and classes and their methods, spans from indentation: a fraction of
    `ast`'s cost, which matters for the baseline on sympy-sized trees at many commits."""
    lines = text.splitlines()
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    defs = []
    for m in _DEF.finditer(text):
        lineno = bisect.bisect_right(starts, m.start())
        defs.append((lineno, len(m.group(1).expandtabs()), m.group(2), m.group(3)))
    out: dict[str, Symbol] = {}
    stack: list[tuple[int, str, str]] = []  # (indent, qualname, kind)
    for i, (lineno, indent, kind, name) in enumerate(defs):
        end = len(lines)
        for later in defs[i + 1 :]:
            if later[1] <= indent:
                end = later[0] - 1
                break
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack:
            qual = name
        elif len(stack) == 1 and stack[0][2] == "class" and stack[0][0] == 0 and kind == "def":
            qual = f"{stack[0][1]}.{name}"
        else:
            stack.append((indent, name, kind))
            continue  # nested: part of its parent's span
        stack.append((indent, qual, kind))
        sid = f"{path}:{qual}"
        out[sid] = Symbol(sid, path, qual, name, "class" if kind == "class" else "function", lineno, end,
                          "\n".join(lines[lineno - 1 : end]))
    return out


def build_view(root: Path, cache: ViewCache | None = None, fast: bool = False) -> RepoView:
    """`fast`: symbols from indentation and no import edges (what the BM25 baseline needs)."""
    cache = cache or ViewCache()
    files: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        for name in filenames:
            if name.endswith(".py"):
                full = Path(dirpath) / name
                try:
                    files[str(full.relative_to(root))] = full.read_text(errors="replace")
                except OSError:
                    continue
    modules = _module_index(list(files))
    symbols: dict[str, Symbol] = {}
    imports: dict[str, set[str]] = {}
    for path, text in files.items():
        key = (path, hashlib.sha1(text.encode("utf-8", "replace")).hexdigest(), fast)
        if key not in cache.parsed:
            cache.parsed[key] = (_regex_symbols(path, text), set()) if fast else _parse(path, text, modules)
        syms, targets = cache.parsed[key]
        symbols.update(syms)
        imports[path] = targets
    return RepoView(files=files, symbols=symbols, imports=imports)


def _parse(path: str, text: str, modules: dict[str, str]) -> tuple[dict[str, Symbol], set[str]]:
    symbols: dict[str, Symbol] = {}
    if True:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return {}, set()
        lines = text.splitlines()

        def add(node: ast.AST, qual: str, kind: str, path: str = path, lines: list[str] = lines) -> None:
            start, end = node.lineno, node.end_lineno or node.lineno
            symbols[f"{path}:{qual}"] = Symbol(
                id=f"{path}:{qual}",
                path=path,
                qualname=qual,
                name=qual.rsplit(".", 1)[-1],
                kind=kind,
                start_line=start,
                end_line=end,
                text="\n".join(lines[start - 1 : end]),
            )

        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                add(node, node.name, "function")
            elif isinstance(node, ast.ClassDef):
                add(node, node.name, "class")
                for sub in node.body:
                    if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef):
                        add(sub, f"{node.name}.{sub.name}", "method")
        pkg = path[:-3].replace("/", ".").rsplit(".", 1)[0]
        targets: set[str] = set()
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = pkg.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            for n in names:
                if n in modules and modules[n] != path:
                    targets.add(modules[n])
    return symbols, targets
