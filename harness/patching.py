"""Patch safety checks (pure) and the apply-with-fallbacks procedure shared by all backends.

Patches are untrusted model output. Before anything touches a workspace, `check_patch` refuses
paths that escape the repository or reach into `.git`, symlinks (a link can later redirect a write
outside the tree), binary hunks and non-text garbage. Application then follows the official
SWE-bench harness: a clean `git apply`, then a 3-way merge, then GNU `patch` with fuzz, restoring
the workspace between tries so a failed strategy never leaves half a patch behind.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from harness.sandbox import CommandResult, PatchResult

_DIFF_GIT = re.compile(r"^diff --git (?P<a>\S+) (?P<b>\S+)\s*$")
_FILE_HEADER = re.compile(r"^(?:---|\+\+\+) (?P<path>[^\t\n]+)")
_RENAME_COPY = re.compile(r"^(?:rename|copy) (?:from|to) (?P<path>.+)$")
_SYMLINK_MODE = re.compile(r"^(?:new file mode|new mode|old mode|deleted file mode) 120000")

#: The three strategies, strictest first. `-p1` because SWE-bench patches use a/ b/ prefixes.
APPLY_STRATEGIES: tuple[tuple[str, str], ...] = (
    ("git apply", "git apply --verbose --whitespace=nowarn {file}"),
    ("git apply --3way", "git apply --verbose --whitespace=nowarn --3way {file}"),
    # --reject-file=- drops .rej files and --no-backup-if-mismatch drops .orig files: either would
    # show up in the candidate's diff as junk.
    ("patch --fuzz", "patch --batch --fuzz=5 -p1 --forward --no-backup-if-mismatch --reject-file=- -i {file}"),
)


class UnsafePatch(ValueError):
    """The patch was refused before application; the message says why."""


@dataclass(frozen=True)
class PatchCheck:
    paths: tuple[str, ...]
    """Repository-relative paths the patch touches."""


def _strip_prefix(path: str) -> str | None:
    path = path.strip()
    if path.startswith('"') and path.endswith('"'):
        # git quotes paths with unusual bytes; they are never needed in a source fix
        raise UnsafePatch(f"quoted path with special characters: {path}")
    if path == "/dev/null":
        return None
    if path.startswith(("a/", "b/")):
        return path[2:]
    return path


def _check_path(path: str) -> str:
    if not path:
        raise UnsafePatch("empty path in patch header")
    if path.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", path):
        raise UnsafePatch(f"absolute path outside the repository: {path}")
    if "\\" in path:
        raise UnsafePatch(f"backslash in path: {path}")
    normalized = posixpath.normpath(path)
    parts = normalized.split("/")
    if normalized.startswith("..") or ".." in path.split("/"):
        raise UnsafePatch(f"path escapes the repository: {path}")
    if ".git" in parts:
        raise UnsafePatch(f"path inside .git (could plant hooks or rewrite history): {path}")
    return normalized


def check_patch(diff: str) -> PatchCheck:
    """Refuse unsafe or garbage patches; return the touched paths otherwise. Pure."""
    if "\x00" in diff:
        raise UnsafePatch("binary data (NUL bytes) in patch")
    bad = sum(1 for ch in diff if ord(ch) < 32 and ch not in "\n\t\r\f")
    if bad:
        raise UnsafePatch(f"{bad} control characters in patch: not a text diff")
    if "GIT binary patch" in diff or re.search(r"^Binary files .* differ$", diff, re.M):
        raise UnsafePatch("binary hunks are not accepted: a source fix is text")
    paths: list[str] = []
    has_hunk = False
    for line in diff.splitlines():
        if m := _DIFF_GIT.match(line):
            for p in (m["a"], m["b"]):
                stripped = _strip_prefix(p)
                if stripped is not None:
                    paths.append(_check_path(stripped))
        elif line.startswith(("--- ", "+++ ")) and (m := _FILE_HEADER.match(line)):
            stripped = _strip_prefix(m["path"])
            if stripped is not None:
                paths.append(_check_path(stripped))
        elif m := _RENAME_COPY.match(line):
            paths.append(_check_path(m["path"]))
        elif _SYMLINK_MODE.match(line):
            raise UnsafePatch("symlinks are not accepted: a link can point outside the repository")
        elif line.startswith("@@ "):
            has_hunk = True
    if not paths:
        raise UnsafePatch("no file headers found: not a unified diff")
    if not has_hunk and not re.search(r"^(?:rename|copy) from |^deleted file mode|^new file mode", diff, re.M):
        raise UnsafePatch("no hunks found: not a unified diff")
    return PatchCheck(paths=tuple(dict.fromkeys(paths)))


Runner = Callable[[str], CommandResult]


def apply_with_fallbacks(diff: str, run: Runner, write_patch: Callable[[str], str]) -> PatchResult:
    """Apply `diff` in a git workspace through `run` (a shell in the repository root).

    `write_patch` stores the diff outside the repository and returns its path. The workspace is
    snapshotted into a git tree first, and restored from it after every failed strategy.
    """
    try:
        check_patch(diff)
    except UnsafePatch as exc:
        return PatchResult(applied=False, reason=f"refused: {exc}", refused=True)
    if not diff.endswith("\n"):
        diff += "\n"  # git apply reports a corrupt patch when the last line lacks its newline
    file = write_patch(diff)
    snap = run("git add -A && git write-tree")
    if not snap.ok:
        return PatchResult(applied=False, reason=f"cannot snapshot workspace: {snap.output.strip()[-500:]}")
    tree = snap.stdout.strip().splitlines()[-1]
    restore = f"git read-tree --reset -u {tree} && git checkout-index -a -f && git clean -fdq"
    attempts: list[str] = []
    for name, template in APPLY_STRATEGIES:
        result = run(template.format(file=file))
        if result.ok:
            attempts.append(f"{name}: ok")
            return PatchResult(applied=True, method=name, attempts=attempts)
        attempts.append(f"{name}: exit {result.exit_code}: {result.output.strip()[-400:]}")
        back = run(restore)
        if not back.ok:
            return PatchResult(
                applied=False,
                reason=f"could not restore workspace after failed {name}: {back.output.strip()[-300:]}",
                attempts=attempts,
            )
    return PatchResult(applied=False, reason="patch does not apply (git apply, 3-way, patch --fuzz all failed)", attempts=attempts)
