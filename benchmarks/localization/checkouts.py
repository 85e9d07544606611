"""One scratch work tree per repository, switched between base commits.

The `fetch` tool leaves bare mirrors under /work/.mirror in which the largest blobs may be absent,
so `git checkout` can fail. We materialize trees ourselves from `git cat-file --batch`, skipping
missing blobs, and switch commits by rewriting only the files whose blob changed.
"""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

MIRROR_ROOT = Path("/work/.mirror")
SCRATCH_ROOT = Path("/work/scratch/loc")


class CheckoutError(RuntimeError):
    pass


def mirror_of(repo: str) -> Path:
    path = MIRROR_ROOT / repo.replace("/", "+") / "repo"
    if not path.exists():
        raise CheckoutError(f"no mirror for {repo} at {path}; fetch github:{repo} first")
    return path


def _tree(git_dir: Path, commit: str) -> dict[str, str]:
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", commit],
        capture_output=True,
    )
    if proc.returncode != 0:
        raise CheckoutError(f"ls-tree {commit}: {proc.stderr.decode(errors='replace').strip()}")
    out = {}
    for entry in proc.stdout.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode != b"120000":  # symlinks would escape the tree
            out[path.decode(errors="replace")] = sha.decode()
    return out


def _write_blobs(git_dir: Path, dest: Path, wanted: dict[str, str]) -> None:
    if not wanted:
        return
    proc = subprocess.Popen(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin and proc.stdout
    shas = list(wanted.items())
    stdin = proc.stdin

    def feed() -> None:  # a writer thread, so neither pipe can fill up and deadlock
        stdin.write("".join(f"{sha}\n" for _, sha in shas).encode())
        stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    for path, _sha in shas:
        header = proc.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    writer.join()
    proc.wait()


def checkout(repo: str, commit: str, root: Path = SCRATCH_ROOT) -> Path:
    """A work tree of `repo` at `commit` (reused across calls; switched in place)."""
    git_dir = mirror_of(repo)
    dest = root / repo.replace("/", "+")
    dest.mkdir(parents=True, exist_ok=True)
    # Kept beside the tree, not in it, so indexers never see it.
    manifest_path = root / f"{dest.name}.checkout.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"commit": None, "tree": {}}
    if old["commit"] == commit:
        return dest
    tree = _tree(git_dir, commit)
    for path in set(old["tree"]) - set(tree):
        (dest / path).unlink(missing_ok=True)
    changed = {p: s for p, s in tree.items() if old["tree"].get(p) != s}
    manifest_path.unlink(missing_ok=True)  # an interrupted switch must not look complete
    _write_blobs(git_dir, dest, changed)
    manifest_path.write_text(json.dumps({"commit": commit, "tree": tree}))
    return dest
