"""Batch throughput: instances per minute at -j 1 and -j 2, and their ratio (target >= 1.7 on 2 cores).

    .venv/bin/python benchmarks/batch/throughput.py --mode workflow   [--instances 10] [--suite-work N] [--repeats 2]
    .venv/bin/python benchmarks/batch/throughput.py --mode container  [--instances 6] [--work N] [--repeats 3]

Both run `orch batch` itself (a subprocess, default local executor), same dataset at -j 1 and -j 2:
- workflow: the real solve workflow with scripted models in Docker sandboxes
  (harness.sandbox=docker), on copies of examples/python-pagekit, each under its own repository
  name and instance id. So that the containers dominate, as test runs do on real repositories, each
  copy also holds tests/test_workload.py (fixed CPU work standing in for a real suite's cost) and the
  session is the example's own except that the coder checks its fix with the whole suite
  (`python3 -m unittest discover -s tests -t .`) instead of the reproduction test alone. The other
  example (js-slugkit) needs node, which the base image lacks, so it is not used here.
- container: LABELLED STAND-IN. The stand-in task (orchestrator/batch/standin.py) does no solving:
  it runs a fixed amount of CPU work inside a network-less container. It measures the pool when
  containers dominate, separately from everything a solve does besides.
Before timing, one untimed batch over the same instances warms the image, the graph indexes and
the page cache; then -j1 and -j2 alternate (`--repeats`) and their medians are compared. The load
average is printed around every run: the machine is shared, and other work skews the ratio. A
control runs the same container work without orch, one at a time then two at a time: the best
-j2 could do on the machine as it is.
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


def _git_init(src: Path, dest: Path, session_name: str, extra: dict[str, str] | None = None) -> None:
    if dest.exists():
        return
    repo = src / "repo" if (src / "repo").is_dir() else src
    shutil.copytree(repo, dest, ignore=shutil.ignore_patterns(".orch", "node_modules", "__pycache__", session_name))
    for rel, content in (extra or {}).items():
        (dest / rel).write_text(content)
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"],
                ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "base"]):
        subprocess.run(["git", *cmd], cwd=dest, check=True)


def example_session(name: str) -> Path:
    for candidate in (EXAMPLES / name / ".orch" / "session.yaml", EXAMPLES / name / "session.yaml"):
        if candidate.is_file():
            return candidate
    raise SystemExit(f"no scripted session for example {name}")


WORKLOAD_TEST = """\
\"\"\"Benchmark only: fixed CPU work standing in for a real test suite's cost (benchmarks/batch/throughput.py).\"\"\"
import unittest


class Workload(unittest.TestCase):
    def test_workload(self):
        self.assertGreater(sum(i * i for i in range({work})), 0)
"""
SUITE_COMMAND = "python3 -m unittest discover -s tests -t ."
CODER_CHECK = 'run_command, args: {command: "python3 -m unittest -v tests/test_issue_repro.py"}'


def workflow_session(scratch: Path) -> Path:
    """The example's scripted session with the coder's check running the whole suite."""
    text = example_session("python-pagekit").read_text()
    if text.count(CODER_CHECK) != 1:
        raise SystemExit("examples/python-pagekit/session.yaml changed: cannot find the coder's check command")
    session = scratch / "session.yaml"
    session.write_text(text.replace(CODER_CHECK, f'run_command, args: {{command: "{SUITE_COMMAND}"}}'))
    return session


def workflow_dataset(scratch: Path, n: int, same_repo: bool, suite_work: int) -> tuple[Path, Path, str]:
    """n pagekit instances (each under its own repository name unless same_repo), with a costly suite."""
    repos = scratch / f"repos-{suite_work}"
    name = "python-pagekit"
    text = (EXAMPLES / name / "ISSUE.md").read_text()
    rows = []
    for i in range(1, n + 1):
        repo = f"orch-examples/{name}" if same_repo else f"orch-examples-{i}/{name}"
        _git_init(EXAMPLES / name, repos / repo, "session.yaml", {"tests/test_workload.py": WORKLOAD_TEST.format(work=suite_work)})
        rows.append({"instance_id": f"{repo.replace('/', '__')}-{i}", "repo": repo, "problem_statement": text,
                     "created_at": f"2024-01-{i:02d}"})
    dataset = scratch / "workflow.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return dataset, repos, f"scripted:{workflow_session(scratch)}"


def container_dataset(scratch: Path, n: int, same_repo: bool, image: str, work: int) -> Path:
    rows = [{"instance_id": f"standin__r{1 if same_repo else i}-{i}", "repo": f"standin/r{1 if same_repo else i}",
             "standin": {"container": {"image": image, "work": work}}} for i in range(1, n + 1)]
    dataset = scratch / "container.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return dataset


def raw_parallel_speedup(image: str, work: int, n: int = 4) -> tuple[float, float]:
    """Control: n containers of the same work run one after another vs two at a time, no batch.

    Returns (seconds per container alone, speedup two at a time). On a machine shared with other
    work the speedup is the best -j2 could do right now.
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
    return one / n, one / two


def load() -> float:
    return round(os.getloadavg()[0], 2)


def run(scratch: Path, dataset: Path, workers: int, extra: list[str], sets: list[str], run_id: str | None = None) -> dict:
    """One `orch batch` at -j `workers`: its wall time, the load around it and per-instance figures."""
    run_id = run_id or f"j{workers}"
    shutil.rmtree(scratch / "runs" / run_id, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORCH_")}
    cmd = [sys.executable, "-m", "orchestrator", "--log-level", "warning",
           "--set", f"run.runs_dir={scratch / 'runs'}", "--set", f"graph.index_dir={scratch / 'index'}",
           *[a for s in sets for a in ("--set", s)],
           "batch", "--dataset", str(dataset), "--run-id", run_id, "-j", str(workers), *extra]
    load_before = load()
    started = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    results = [json.loads(line) for line in (scratch / "runs" / run_id / "results.jsonl").read_text().splitlines()]
    bad = [(r["instance_id"], r["status"], r["error"]) for r in results if r["status"] not in ("patched", "no_patch")]
    if bad:
        raise SystemExit(f"-j {workers}: {bad}")
    return {"wall": wall, "load_before": load_before, "load_after": load(),
            "instance_s": statistics.mean(r["duration_s"] for r in results),
            "worker_cpu_s": statistics.mean(r["detail"].get("worker_cpu_s", 0.0) for r in results)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["workflow", "container"], required=True)
    ap.add_argument("--instances", type=int, default=None, help="default: 10 (workflow), 6 (container)")
    ap.add_argument("--same-repo", action="store_true", help="all instances of one repository (warm-up applies)")
    ap.add_argument("--image", default="orch-base:bookworm", help="an image with python3 (the sandbox's base image)")
    ap.add_argument("--work", type=int, default=3_000_000, help="container mode: loop iterations per instance")
    ap.add_argument("--suite-work", type=int, default=120_000_000,
                    help="workflow mode: loop iterations of tests/test_workload.py (~5 s at one idle core)")
    ap.add_argument("--scratch", type=Path, default=Path("/work/scratch/batch/throughput"))
    ap.add_argument("--repeats", type=int, default=2, help="alternate -j1/-j2 this often; medians are compared")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    scratch = args.scratch / args.mode
    scratch.mkdir(parents=True, exist_ok=True)
    n = args.instances or (10 if args.mode == "workflow" else 6)
    if args.mode == "workflow":
        dataset, repos, model = workflow_dataset(scratch, n, args.same_repo, args.suite_work)
        extra, sets = ["--repos-dir", str(repos), "--model", model], ["harness.sandbox=docker"]
        label = (f"real workflow, scripted model, Docker sandboxes; pagekit copies whose suite burns "
                 f"{args.suite_work:,} iterations in the container")
        work = args.suite_work
    else:
        dataset = container_dataset(scratch, n, args.same_repo, args.image, args.work)
        extra, sets = ["--task", "orchestrator.batch.standin:standin_solve", "--model", "standin"], []
        label = f"STAND-IN task: fixed CPU work ({args.work} iterations) in a container per instance, no solving"
        work = args.work
    print(f"{label}; {n} instances{' of one repository' if args.same_repo else ''}; {os.cpu_count()} cores")
    # Untimed: builds what a warm batch reuses (graph indexes, image layers in the page cache).
    warm = run(scratch, dataset, 2, extra, sets, run_id="warm")
    print(f"warm-up batch (untimed for the ratio): {warm['wall']:.1f} s at -j2")
    alone, control = raw_parallel_speedup(args.image, work)
    print(f"control: the container work alone takes {alone:.1f} s; {control:.2f}x running it two at a time "
          f"without orch (what the machine allows now; load {load()})")
    # -j1 and -j2 alternate, and each takes its median, so load from other work on the machine
    # falls on both alike.
    samples: dict[int, list[dict]] = {1: [], 2: []}
    for _ in range(args.repeats):
        for j in (1, 2):
            r = run(scratch, dataset, j, extra, sets)
            samples[j].append(r)
            print(f"  -j {j}: {r['wall']:.1f} s (load {r['load_before']} -> {r['load_after']}), "
                  f"{r['instance_s']:.2f} s per instance, worker CPU {r['worker_cpu_s']:.2f} s per instance")
    walls = {j: statistics.median(r["wall"] for r in v) for j, v in samples.items()}
    for j in (1, 2):
        print(f"-j {j}: {walls[j]:.1f} s wall (median of {[round(r['wall'], 1) for r in samples[j]]}), "
              f"{n / walls[j] * 60:.2f} instances/min")
    ratio = walls[1] / walls[2]
    share = alone / statistics.median(r["instance_s"] for r in samples[1])
    print(f"throughput ratio -j2 / -j1: {ratio:.2f} (target >= 1.7 when containers dominate); "
          f"{ratio / control:.0%} of the control's {control:.2f}x; container work is {share:.0%} of an instance at -j1")
    loads = [x for v in samples.values() for r in v for x in (r["load_before"], r["load_after"])]
    print(f"load average during the timed runs: {min(loads)}-{max(loads)} on {os.cpu_count()} cores")
    if args.json:
        args.json.write_text(json.dumps({"mode": args.mode, "instances": n, "same_repo": args.same_repo,
                                         "work": work, "wall_j1": walls[1], "wall_j2": walls[2], "ratio": ratio,
                                         "samples": samples, "control_ratio": control, "container_alone_s": alone,
                                         "container_share": share, "load_range": [min(loads), max(loads)]}, indent=2))


if __name__ == "__main__":
    main()
