"""Batch throughput: instances per minute at -j 1 and -j 2, and their ratio (target >= 1.7 on 2 cores).

    .venv/bin/python benchmarks/batch/throughput.py --mode workflow   [--instances 6] [--repeats 3]
    .venv/bin/python benchmarks/batch/throughput.py --mode container  [--instances 6] [--work N] [--repeats 3]

Both run `orch batch` itself (a subprocess, default local executor), same dataset at -j 1 then -j 2:
- workflow: the real solve workflow with scripted models on the example repositories, in Docker
  sandboxes (harness.sandbox=docker), each repository a git repository under a repos dir;
- container: LABELLED STAND-IN. The stand-in task (orchestrator/batch/standin.py) does no solving:
  it runs a fixed amount of CPU work inside a network-less container. It measures the pool when
  containers dominate, separately from everything a solve does besides.
Instances are spread over distinct repositories so the warm-up rule (a repository's second
instance waits for its first) does not serialize them; `--same-repo` measures that case too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _git_init(src: Path, dest: Path, session_name: str) -> None:
    if dest.exists():
        return
    repo = src / "repo" if (src / "repo").is_dir() else src
    shutil.copytree(repo, dest, ignore=shutil.ignore_patterns(".orch", "node_modules", "__pycache__", session_name))
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"],
                ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "base"]):
        subprocess.run(["git", *cmd], cwd=dest, check=True)


def example_session(name: str) -> Path:
    for candidate in (EXAMPLES / name / ".orch" / "session.yaml", EXAMPLES / name / "session.yaml"):
        if candidate.is_file():
            return candidate
    raise SystemExit(f"no scripted session for example {name}")


def workflow_dataset(scratch: Path, n: int, same_repo: bool) -> tuple[Path, Path, str]:
    """n pagekit instances, each under its own repository name unless same_repo."""
    repos = scratch / "repos"
    name = "python-pagekit"
    text = (EXAMPLES / name / "ISSUE.md").read_text()
    rows = []
    for i in range(1, n + 1):
        repo = f"orch-examples/{name}" if same_repo else f"orch-examples-{i}/{name}"
        _git_init(EXAMPLES / name, repos / repo, "session.yaml")
        rows.append({"instance_id": f"{repo.replace('/', '__')}-{i}", "repo": repo, "problem_statement": text,
                     "created_at": f"2024-01-{i:02d}"})
    dataset = scratch / "workflow.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return dataset, repos, f"scripted:{example_session(name)}"


def container_dataset(scratch: Path, n: int, same_repo: bool, image: str, work: int) -> Path:
    rows = [{"instance_id": f"standin__r{1 if same_repo else i}-{i}", "repo": f"standin/r{1 if same_repo else i}",
             "standin": {"container": {"image": image, "work": work}}} for i in range(1, n + 1)]
    dataset = scratch / "container.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return dataset


def raw_parallel_speedup(image: str, work: int, n: int = 4) -> float:
    """Control: n containers of the same work run one after another vs two at a time, no batch.

    On a machine shared with other work this is the best -j2 could do right now.
    """
    from concurrent.futures import ThreadPoolExecutor

    sys.path.insert(0, str(ROOT))
    from orchestrator.batch.standin import _burn_in_container

    started = time.perf_counter()
    for _ in range(n):
        _burn_in_container(image, work)
    one = time.perf_counter() - started
    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: _burn_in_container(image, work), range(n)))
    two = time.perf_counter() - started
    return one / two


def run(scratch: Path, dataset: Path, workers: int, extra: list[str], sets: list[str]) -> float:
    run_id = f"j{workers}"
    shutil.rmtree(scratch / "runs" / run_id, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
    cmd = [sys.executable, "-m", "orchestrator", "--log-level", "warning",
           "--set", f"run.runs_dir={scratch / 'runs'}", "--set", f"graph.index_dir={scratch / 'index'}",
           *[a for s in sets for a in ("--set", s)],
           "batch", "--dataset", str(dataset), "--run-id", run_id, "-j", str(workers), *extra]
    started = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    results = [json.loads(line) for line in (scratch / "runs" / run_id / "results.jsonl").read_text().splitlines()]
    bad = [(r["instance_id"], r["status"], r["error"]) for r in results if r["status"] not in ("patched", "no_patch")]
    if bad:
        raise SystemExit(f"-j {workers}: {bad}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["workflow", "container"], required=True)
    ap.add_argument("--instances", type=int, default=6)
    ap.add_argument("--same-repo", action="store_true", help="all instances of one repository (warm-up applies)")
    ap.add_argument("--image", default="orch-base:bookworm", help="container mode: an image with python3")
    ap.add_argument("--work", type=int, default=3_000_000, help="container mode: loop iterations per instance")
    ap.add_argument("--scratch", type=Path, default=Path("/work/scratch/batch/throughput"))
    ap.add_argument("--repeats", type=int, default=1, help="alternate -j1/-j2 this often; medians are compared")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    scratch = args.scratch / args.mode
    scratch.mkdir(parents=True, exist_ok=True)
    if args.mode == "workflow":
        dataset, repos, model = workflow_dataset(scratch, args.instances, args.same_repo)
        extra, sets = ["--repos-dir", str(repos), "--model", model], ["harness.sandbox=docker"]
        label = "real workflow, scripted model, example repositories, Docker sandboxes"
    else:
        dataset = container_dataset(scratch, args.instances, args.same_repo, args.image, args.work)
        extra, sets = ["--task", "orchestrator.batch.standin:standin_solve", "--model", "standin"], []
        label = f"STAND-IN task: fixed CPU work ({args.work} iterations) in a container per instance, no solving"
    print(f"{label}; {args.instances} instances{' of one repository' if args.same_repo else ''}")
    control = raw_parallel_speedup(args.image, args.work if args.mode == "container" else 10_000_000)
    print(f"control: {control:.2f}x from running the same containers two at a time without orch (what the machine allows now)")
    # -j1 and -j2 alternate, and each takes its median, so load from other work on the machine
    # falls on both alike.
    samples: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.repeats):
        for j in (1, 2):
            samples[j].append(run(scratch, dataset, j, extra, sets))
    walls = {j: statistics.median(v) for j, v in samples.items()}
    for j in (1, 2):
        print(f"-j {j}: {walls[j]:.1f} s wall (median of {[round(w, 1) for w in samples[j]]}), "
              f"{args.instances / walls[j] * 60:.2f} instances/min")
    ratio = walls[1] / walls[2]
    print(f"throughput ratio -j2 / -j1: {ratio:.2f} (target >= 1.7 when containers dominate); "
          f"{ratio / control:.0%} of the control's {control:.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the machine skews this)")
    if args.json:
        args.json.write_text(json.dumps({"mode": args.mode, "instances": args.instances, "same_repo": args.same_repo,
                                         "wall_j1": walls[1], "wall_j2": walls[2], "ratio": ratio, "samples": samples,
                                         "control_ratio": control}, indent=2))


if __name__ == "__main__":
    main()
