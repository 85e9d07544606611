"""Git operations every backend shares: they only need a shell in the repository root."""

from __future__ import annotations

import posixpath
import shlex

from harness.patching import apply_with_fallbacks
from harness.sandbox import CommandResult, PatchResult, SandboxError

#: Plenty for a bound on internal git commands; they never approach it in practice.
GIT_TIMEOUT = 300


class GitWorkspace:
    """Mixin: diff/reset/apply_patch on top of `run`, `_write_abs` and `base_commit`."""

    workdir: str
    _base: str | None = None
    _patch_counter: int = 0

    @property
    def base_commit(self) -> str:
        """The commit `diff` and `reset` compare against: HEAD when first asked, then fixed."""
        if self._base is None:
            head = self.run("git rev-parse HEAD", timeout=GIT_TIMEOUT)
            if not head.ok:
                raise SandboxError(f"workspace is not a git repository: {head.output.strip()[-300:]}")
            self._base = head.stdout.strip()
        return self._base

    def run(self, cmd: str, timeout: float | None = None, *, max_output: int = ...) -> CommandResult:  # type: ignore[assignment]
        raise NotImplementedError

    def _write_abs(self, path: str, content: str) -> None:
        raise NotImplementedError

    def _scratch_dir(self) -> str:
        """A directory outside the repository for patches and scripts."""
        raise NotImplementedError

    def _resolve(self, path: str) -> str:
        """Workspace-relative (or absolute inside it) -> absolute; refuse escapes."""
        full = posixpath.normpath(path if path.startswith("/") else posixpath.join(self.workdir, path))
        if full != self.workdir and not full.startswith(self.workdir.rstrip("/") + "/"):
            raise ValueError(f"path outside the workspace: {path}")
        return full

    def _git(self, args: str) -> CommandResult:
        return self._sh(f"git {args}", f"git {args.split()[0]}")

    def _sh(self, cmd: str, label: str) -> CommandResult:
        result = self.run(cmd, timeout=GIT_TIMEOUT, max_output=64 * 1024 * 1024)
        if not result.ok:
            raise SandboxError(f"{label} failed (exit {result.exit_code}): {result.output.strip()[-500:]}")
        return result

    def apply_patch(self, diff: str) -> PatchResult:
        def write_patch(text: str) -> str:
            self._patch_counter += 1
            path = posixpath.join(self._scratch_dir(), f"orch-patch-{self._patch_counter}.diff")
            self._write_abs(path, text)
            return shlex.quote(path)

        return apply_with_fallbacks(diff, lambda c: self.run(c, timeout=GIT_TIMEOUT), write_patch)

    def diff(self) -> str:
        # `add -A` so new files appear too; core.fileMode=false because tar copies and bind mounts
        # flip executable bits that no patch meant to change.
        return self._git(f"add -A && git -c core.fileMode=false diff --cached --no-color {self.base_commit}").stdout

    def reset(self) -> None:
        # No `clean -x`: ignored files include build artifacts an editable install depends on. But
        # an ignored __pycache__ survives, and Python trusts bytecode whose source has the same size
        # and mtime in whole seconds: a source put back here and patched again within the second
        # (candidates tried one after another) would run the previous patch's code. So the bytecode
        # of every source that differs from the base goes first (best effort; the reset is what
        # must succeed).
        base = self.base_commit
        changed = (
            f"{{ git -c core.quotePath=false diff --name-only {base} -- '*.py'; "
            "git -c core.quotePath=false ls-files --others --exclude-standard -- '*.py'; }"
        )
        drop = 'while IFS= read -r f; do rm -f "$(dirname "$f")/__pycache__/$(basename "$f" .py)".*.pyc "${f}c"; done'
        self._sh(f"{changed} | {drop}; git reset -q --hard {base} && git clean -fdq", "git reset")
