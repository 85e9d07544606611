"""The tools roles share: graph queries, file viewing and structured edits, sandbox commands.

Each builder binds a collaborator (graph or sandbox) and returns `Tool`s; a role picks the ones
it needs. Edits that cannot apply raise `ToolError`, so the model sees why and can retry.
"""

from __future__ import annotations

import difflib
import posixpath
import shlex
from typing import Any

from pydantic import BaseModel, Field

from agents.protocols import GraphLike, SandboxLike
from agents.tools import Tool, ToolError

VIEW_MAX_LINES = 200


def _node_line(n: Any) -> str:
    kind = getattr(n.kind, "value", n.kind)
    sig = f"  {n.signature}" if getattr(n, "signature", "") else ""
    return f"{n.id} [{kind}] {n.path}:{n.start_line}-{n.end_line}{sig}"


def _resolve(graph: GraphLike, name: str) -> Any:
    if graph.node(name) is not None:
        return graph.node(name)
    found = graph.symbol(name)
    if not found:
        raise ToolError(f"no symbol {name!r} in the graph; use search_code to find the right name")
    return found[0]


class SearchArgs(BaseModel):
    query: str = Field(description="words, identifiers or an error message")
    k: int = Field(10, ge=1, le=30, description="how many hits")


class SymbolArgs(BaseModel):
    name: str = Field(description="a node id (path.py:Class.method), qualified name or bare name")


class RelArgs(BaseModel):
    name: str = Field(description="a node id or symbol name")
    depth: int = Field(1, ge=1, le=3)


class PathArgs(BaseModel):
    path: str = Field(description="repository-relative file path")


def graph_tools(graph: GraphLike) -> list[Tool]:
    def search_code(a: SearchArgs) -> str:
        hits = graph.search(a.query, a.k)
        return "\n".join(f"{h.score:.2f} {_node_line(h.node)}" for h in hits) or "no matches"

    def find_symbol(a: SymbolArgs) -> str:
        found = graph.symbol(a.name)
        if not found:
            raise ToolError(f"no symbol {a.name!r}; try search_code")
        return "\n".join(_node_line(n) + (f"\n    {n.docstring.splitlines()[0]}" if getattr(n, "docstring", "") else "")
                         for n in found[:10])

    def callers(a: RelArgs) -> str:
        node = _resolve(graph, a.name)
        sub = graph.callers(node.id, a.depth)
        return "\n".join(_node_line(n) for n in sub.nodes if n.id != node.id) or f"nothing calls {node.id}"

    def callees(a: RelArgs) -> str:
        node = _resolve(graph, a.name)
        sub = graph.callees(node.id, a.depth)
        return "\n".join(_node_line(n) for n in sub.nodes if n.id != node.id) or f"{node.id} calls nothing resolved"

    def file_skeleton(a: PathArgs) -> str:
        text = graph.file_skeleton(a.path)
        if not text:
            raise ToolError(f"{a.path} is not an indexed source file")
        return text

    return [
        Tool("search_code", "Full-text search over symbols, signatures and docstrings of the repository.", SearchArgs, search_code),
        Tool("find_symbol", "Where a class/function is defined, with its signature.", SymbolArgs, find_symbol),
        Tool("callers", "What calls a symbol (its impact).", RelArgs, callers),
        Tool("callees", "What a symbol calls.", RelArgs, callees),
        Tool("file_skeleton", "A file's classes and functions as signatures, bodies elided.", PathArgs, file_skeleton),
    ]


def safe_path(path: str) -> str:
    """A repository-relative path; absolute paths and `..` escapes are refused."""
    p = posixpath.normpath(path.strip().replace("\\", "/"))
    if p.startswith("/") or p == ".." or p.startswith("../") or p in ("", "."):
        raise ToolError(f"path {path!r} must be relative to the repository root and stay inside it")
    return p


def _read(sandbox: SandboxLike, path: str) -> str:
    try:
        return sandbox.read_file(path)
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise ToolError(f"cannot read {path}: {type(exc).__name__}") from exc
    except ToolError:
        raise
    except Exception as exc:
        raise ToolError(f"cannot read {path}: {exc}") from exc


class ViewArgs(BaseModel):
    path: str
    start: int = Field(1, ge=1, description="first line (1-based)")
    end: int | None = Field(None, description=f"last line, inclusive; at most {VIEW_MAX_LINES} lines per view")


class ReplaceArgs(BaseModel):
    path: str
    old: str = Field(description="exact text to replace; must occur exactly once in the file")
    new: str = Field(description="replacement text")


class InsertArgs(BaseModel):
    path: str
    line: int = Field(ge=0, description="insert after this line (0 = at the top)")
    text: str


class CreateArgs(BaseModel):
    path: str
    content: str


def file_tools(sandbox: SandboxLike) -> list[Tool]:
    def view_file(a: ViewArgs) -> str:
        path = safe_path(a.path)
        lines = _read(sandbox, path).splitlines()
        end = min(len(lines), a.end or a.start + VIEW_MAX_LINES - 1, a.start + VIEW_MAX_LINES - 1)
        if a.start > max(len(lines), 1):
            raise ToolError(f"{path} has {len(lines)} lines; start {a.start} is past the end")
        body = "\n".join(f"{n:>5} {lines[n - 1]}" for n in range(a.start, end + 1))
        more = f"\n[lines {end + 1}-{len(lines)} not shown]" if end < len(lines) else ""
        return f"{path} ({len(lines)} lines)\n{body}{more}"

    def replace_in_file(a: ReplaceArgs) -> str:
        path = safe_path(a.path)
        text = _read(sandbox, path)
        if not a.old:
            raise ToolError("`old` is empty; use insert_lines to add text")
        count = text.count(a.old)
        if count == 0:
            raise ToolError(f"`old` does not occur in {path}.{_closest(text, a.old)} Copy the text exactly (view_file shows it).")
        if count > 1:
            raise ToolError(f"`old` occurs {count} times in {path}; include more surrounding lines so it is unique")
        sandbox.write_file(path, text.replace(a.old, a.new, 1))
        line = text[: text.index(a.old)].count("\n") + 1
        return f"replaced 1 occurrence in {path} at line {line}"

    def insert_lines(a: InsertArgs) -> str:
        path = safe_path(a.path)
        lines = _read(sandbox, path).splitlines(keepends=True)
        if a.line > len(lines):
            raise ToolError(f"{path} has {len(lines)} lines; cannot insert after line {a.line}")
        if lines and not lines[-1].endswith("\n") and a.line == len(lines):
            lines[-1] += "\n"
        new = a.text if a.text.endswith("\n") else a.text + "\n"
        sandbox.write_file(path, "".join(lines[: a.line]) + new + "".join(lines[a.line:]))
        return f"inserted {new.count(chr(10))} line(s) after line {a.line} of {path}"

    def create_file(a: CreateArgs) -> str:
        path = safe_path(a.path)
        try:
            sandbox.read_file(path)
        except Exception:
            sandbox.write_file(path, a.content)
            return f"created {path} ({a.content.count(chr(10)) + 1} lines)"
        raise ToolError(f"{path} already exists; edit it with replace_in_file or insert_lines")

    return [
        Tool("view_file", "Show lines of a file with line numbers.", ViewArgs, view_file),
        Tool("replace_in_file", "Replace one exact, unique occurrence of `old` with `new`.", ReplaceArgs, replace_in_file),
        Tool("insert_lines", "Insert text after a line number.", InsertArgs, insert_lines),
        Tool("create_file", "Create a new file (fails if it exists).", CreateArgs, create_file),
    ]


def _closest(text: str, old: str) -> str:
    first = old.strip().splitlines()[0] if old.strip() else ""
    match = difflib.get_close_matches(first.strip(), [ln.strip() for ln in text.splitlines()], n=1, cutoff=0.6)
    return f" The closest line is: {match[0]!r}." if match else ""


class RunArgs(BaseModel):
    command: str = Field(description="a shell command run in the repository root")
    timeout: float = Field(120, gt=0, le=900, description="seconds")


class NoArgs(BaseModel):
    pass


def format_result(res: Any, limit: int = 6000) -> str:
    out = (res.stdout or "") + (("\n" + res.stderr) if res.stderr else "")
    if len(out) > limit:
        out = out[: limit // 3] + f"\n[... {len(out) - limit} characters elided ...]\n" + out[-(limit - limit // 3):]
    status = "timed out" if res.timed_out else f"exit code {res.exit_code}"
    return f"[{status}, {res.duration:.1f}s]\n{out}"


def sandbox_tools(sandbox: SandboxLike) -> list[Tool]:
    def run_command(a: RunArgs) -> str:
        return format_result(sandbox.run(a.command, timeout=a.timeout))

    def show_diff(_: NoArgs) -> str:
        return sandbox.diff() or "(no changes yet)"

    return [
        Tool("run_command", "Run a shell command in the sandbox (no network).", RunArgs, run_command),
        Tool("show_diff", "The current diff of the repository against the base commit.", NoArgs, show_diff),
    ]


def quote(path: str) -> str:
    return shlex.quote(path)
