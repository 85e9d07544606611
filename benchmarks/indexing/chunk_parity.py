"""Parity of chunked Python extraction (`graph_index.parsing.chunks`) with whole-file extraction
on every .py file of real repositories. Not a test: it needs the `fetch` tool's mirrors.

    .venv/bin/python benchmarks/indexing/chunk_parity.py [--repo sympy/sympy --repo psf/requests] [--all-lite]

Per repository, at the base commit of one SWE-bench Lite instance (or, with --all-lite, at the
base commits of all its Lite instances, each distinct file content once): files, files cut into
chunks, files that fell back to whole-file extraction (a chunk with a syntax error: a cut inside a
string or bracket, or a real error), files whose chunked rows differ from whole-file rows (must
be 0; the first differences are printed), and cold extraction time both ways.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from graph_index.parsing import chunks, python  # noqa: E402
from graph_index.sources import read_commit_blobs  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "swebench_lite" / "test.jsonl"
DEFAULT_INSTANCE = {"sympy/sympy": "sympy__sympy-20590", "psf/requests": "psf__requests-2317"}


def lite_commits(repo: str, all_lite: bool) -> list[str]:
    rows = [r for r in map(json.loads, DATA.open()) if r["repo"] == repo]
    if all_lite:
        return sorted({r["base_commit"] for r in rows})
    wanted = DEFAULT_INSTANCE.get(repo)
    picked = [r for r in rows if r["instance_id"] == wanted] or rows[:1]
    return [picked[0]["base_commit"]]


def python_blobs(mirror: Path, commit: str) -> dict[str, str]:
    out = subprocess.run(["git", "-C", str(mirror), "ls-tree", "-r", commit], capture_output=True, text=True,
                         check=True).stdout
    blobs: dict[str, str] = {}
    for line in out.splitlines():
        meta, path = line.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind == "blob" and path.endswith(".py"):
            blobs.setdefault(sha, path)
    return blobs


def check(repo: str, mirror: Path, commits: list[str], show: int) -> dict:
    blobs: dict[str, str] = {}
    for commit in commits:
        for sha, path in python_blobs(mirror, commit).items():
            blobs.setdefault(sha, path)
    files = cut = fell_back = differ = 0
    whole_s = chunked_s = 0.0
    for sha, data in read_commit_blobs(mirror, list(blobs)):
        files += 1
        started = time.perf_counter()
        whole = python.extract_rows(data)
        whole_s += time.perf_counter() - started
        started = time.perf_counter()
        rows, new = chunks.chunked_rows(data)
        chunked_s += time.perf_counter() - started
        if len(chunks.split(data)) >= chunks.MIN_CHUNKS:
            cut += 1
            fell_back += any(entry[0] for entry in new.values())
        if rows != whole:
            differ += 1
            if differ <= show:
                print(f"  DIFFERS: {blobs[sha]} ({sha[:10]})")
                for name, a, b in (("symbols", whole[3], rows[3]), ("refs", whole[4], rows[4])):
                    if a != b:
                        first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
                        print(f"    {name}: {len(a)} vs {len(b)}; first difference at {first}")
                if whole[:3] != rows[:3]:
                    print(f"    errors/lines/package: {whole[:3]} vs {rows[:3]}")
    return {"repo": repo, "commits": len(commits), "files": files, "cut": cut, "fell_back": fell_back,
            "differ": differ, "whole_s": round(whole_s, 2), "chunked_cold_s": round(chunked_s, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", action="append", default=None, help="owner/name (repeatable)")
    ap.add_argument("--all-lite", action="store_true", help="every Lite base commit of the repository")
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--show", type=int, default=5, help="print the first N differing files")
    args = ap.parse_args()
    total = 0
    for repo in args.repo or ["sympy/sympy", "psf/requests"]:
        mirror = args.mirrors / repo.replace("/", "+") / "repo"
        result = check(repo, mirror, lite_commits(repo, args.all_lite), args.show)
        total += result["differ"]
        print(json.dumps(result))
    print(f"differing files: {total}")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
