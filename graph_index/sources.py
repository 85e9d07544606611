"""Which files a view holds and their content: from git (`ls-tree`, `cat-file --batch`) for a
commit, from disk for a working tree. Content hashes are git blob shas either way, so a file
indexed from a commit and the same content on disk share one entry in the store."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from graph_index.errors import GraphStoreError
from graph_index.resolve import language_of

MAX_BYTES = 2_000_000
"""Larger files are generated or vendored more often than written; they are skipped."""
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    sha: str
    language: str
    size: int = 0
    """Bytes, where the listing knew them without reading (it orders reading, nothing else)."""


@dataclass(slots=True)
class Listing:
    files: list[SourceFile]
    skipped: int
    """Files of a language we do not parse, symlinks, oversized or binary files."""
    commit: str | None


def blob_sha(data: bytes) -> str:
    """The git blob sha of `data`."""
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def _git(repo: Path, *args: str, input: bytes | None = None) -> bytes:
    try:
        out = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, check=True)
    except subprocess.CalledProcessError as exc:
        msg = exc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GraphStoreError(f"git {' '.join(args[:2])} failed in {repo}: {msg[-1] if msg else exc}") from None
    return out.stdout


def is_git_repo(repo: Path) -> bool:
    return (repo / ".git").exists()


def resolve_commit(repo: Path, commit: str) -> str:
    """Full sha of a commit-ish."""
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}").decode().strip()
    except GraphStoreError:
        raise GraphStoreError(f"commit {commit!r} not found in {repo}") from None


def list_commit(repo: Path, commit: str) -> Listing:
    """Source files of `commit`, with blob shas, without reading any file."""
    sha = resolve_commit(repo, commit)
    files: list[SourceFile] = []
    skipped = 0
    # Relative to `repo`, so a subdirectory of a repository indexes as its own tree.
    out = _git(repo, "ls-tree", "-r", "-z", "-l", sha)
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, path_b = entry.partition(b"\t")
        mode, kind, blob, size = meta.split()
        path = path_b.decode("utf-8", "replace")
        lang = language_of(path)
        if kind != b"blob" or mode == b"120000" or lang is None or (size != b"-" and int(size) > MAX_BYTES):
            skipped += kind == b"blob"
            continue
        files.append(SourceFile(path, blob.decode(), lang, int(size) if size != b"-" else 0))
    return Listing(files, skipped, sha)


def read_commit_blobs(repo: Path, shas: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """(sha, content) for each blob, streamed through one `git cat-file --batch`."""
    shas = list(shas)
    if not shas:
        return
    # The request goes in as a file, not a pipe: a parse pool forked while a pipe to git's stdin
    # was open kept its write end, so git never saw the end of its input and the index hung.
    with tempfile.TemporaryFile() as request:
        request.write("".join(s + "\n" for s in shas).encode())
        request.seek(0)
        proc = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"], stdin=request, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    try:
        for sha in shas:
            header = proc.stdout.readline().split()
            if len(header) < 3:  # "<sha> missing"
                continue
            size = int(header[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)
            yield sha, data
    finally:
        proc.stdout.close()
        proc.wait()


def _git_worktree_files(repo: Path) -> tuple[dict[str, str], set[str]]:
    """(path -> staged blob sha for clean tracked files, paths whose disk content must be read).
    Git's own stat cache decides what changed, so an unchanged tree is listed without reading."""
    staged: dict[str, str] = {}
    for entry in _git(repo, "ls-files", "-s", "-z").split(b"\0"):
        if not entry:
            continue
        meta, _, path_b = entry.partition(b"\t")
        mode, sha, _stage = meta.split()
        if mode not in (b"120000", b"160000"):  # symlinks and submodules are not source files
            staged[path_b.decode("utf-8", "replace")] = sha.decode()
    dirty: set[str] = set()
    status = _git(repo, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
    for entry in status.split(b"\0"):
        if len(entry) < 4:
            continue
        xy, path = entry[:2].decode(), entry[3:].decode("utf-8", "replace")
        staged.pop(path, None)
        if xy != "??" and "D" in xy:
            continue  # deleted in the working tree or the index
        dirty.add(path)
    return staged, dirty


def list_worktree(repo: Path) -> tuple[Listing, dict[str, bytes]]:
    """Source files on disk (git-tracked and untracked-not-ignored, or a plain walk), with the
    content of every file that had to be read (changed or untracked ones in a git repository)."""
    clean: dict[str, str] = {}
    if is_git_repo(repo):
        clean, to_read = _git_worktree_files(repo)
    else:
        to_read = set()
        for dirpath, dirnames, filenames in os.walk(repo):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
            rel = os.path.relpath(dirpath, repo)
            for name in filenames:
                to_read.add(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
    files: list[SourceFile] = []
    contents: dict[str, bytes] = {}
    skipped = 0
    for path in sorted(clean.keys() | to_read):
        lang = language_of(path)
        full = repo / path
        if lang is None:
            skipped += 1
            continue
        try:
            st = full.lstat()
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        if st.st_size > MAX_BYTES:
            skipped += 1
            continue
        sha = clean.get(path)
        if sha is None:
            data = full.read_bytes()
            sha = blob_sha(data)
            contents[sha] = data
        files.append(SourceFile(path, sha, lang, st.st_size))
    return Listing(files, skipped, None), contents


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:8192]
