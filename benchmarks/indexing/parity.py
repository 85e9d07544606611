"""Parity of the native and the Python extractor over every Python file of a repository at a commit
(default: sympy at the base commit of sympy__sympy-20590, the indexing benchmark's first commit).

    .venv/bin/python benchmarks/indexing/parity.py [--mirror DIR] [--scratch DIR] [--commit SHA] [--show N]

Prints the number of files whose rows differ (must be 0), the first differences, and the
serial time of each extractor. The native module is required here: a failed build is an error.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ["ORCH_NATIVE_EXTRACTOR"] = "require"

from run import FIRST, base_commit, checkout  # noqa: E402

from graph_index.parsing.python import extract_rows_python, native_extractor  # noqa: E402
from graph_index.sources import is_binary, list_commit, read_commit_blobs  # noqa: E402


def first_difference(a: tuple, b: tuple) -> str:
    names = ("errors", "lines", "package")
    for i, name in enumerate(names):
        if a[i] != b[i]:
            return f"{name}: python {a[i]!r} native {b[i]!r}"
    for label, xs, ys in (("symbol", a[3], b[3]), ("ref", a[4], b[4])):
        for i, (x, y) in enumerate(zip(xs, ys, strict=False)):
            if x != y:
                return f"{label} {i}: python {x!r}\n    native {y!r}"
        if len(xs) != len(ys):
            return f"{label} count: python {len(xs)} native {len(ys)}"
    return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror/sympy+sympy/repo"))
    ap.add_argument("--scratch", type=Path, default=Path("/work/scratch/bench-indexing"))
    ap.add_argument("--commit", default=None, help="default: base commit of " + FIRST)
    ap.add_argument("--show", type=int, default=5, help="differences to print")
    args = ap.parse_args()

    commit = args.commit or base_commit(FIRST)
    repo = checkout(args.mirror, args.scratch / "sympy", commit)
    native = native_extractor()
    assert native is not None
    listing = list_commit(repo, commit)
    shas = {f.sha: f.path for f in listing.files if f.language == "python"}
    differ, files, t_py, t_native = [], 0, 0.0, 0.0
    for sha, data in read_commit_blobs(repo, dict.fromkeys(shas)):
        if is_binary(data):
            continue
        files += 1
        t = time.perf_counter()
        a = extract_rows_python(data)
        t_py += time.perf_counter() - t
        t = time.perf_counter()
        b = native.extract_rows(data)
        t_native += time.perf_counter() - t
        if a != b:
            differ.append((shas[sha], first_difference(a, b)))
    print(f"{len(differ)} of {files} Python files differ ({repo.name} @ {commit[:10]})")
    for path, what in differ[: args.show]:
        print(f"  {path}: {what}")
    print(f"serial extraction (parse included): python {t_py:.2f}s, native {t_native:.2f}s")


if __name__ == "__main__":
    main()
