"""Sandbox overhead: container create+exec+destroy p50, and warm-image evaluation vs a local venv.

    python benchmarks/harness/overhead.py --repos-dir DIR [--instance pytest-dev__pytest-7373] [-n 20]

1. p50/p90 of DockerSandbox(orch-base:bookworm) -> run("true") -> close(), n times.
2. Warm evaluation: the harness grades the gold patch of one instance whose image is already built
   (container start, patch application, test patch, test command, grading, teardown), median of 3.
3. The same test command in a local virtual environment on the host (same Python minor version,
   same pins, repository at the base commit with gold and test patches applied), median of 3.
The ratio (2)/(3) is what the warm-image target measures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.dataset import load_instances, load_predictions  # noqa: E402
from harness.evaluation import EvalOptions, evaluate_instance, test_directives  # noqa: E402
from harness.images import ImageBuilder  # noqa: E402
from harness.repos import RepoSource  # noqa: E402
from harness.sandboxes.docker import DockerSandbox, connect  # noqa: E402
from harness.specs import default_registry  # noqa: E402

DATASET = ROOT.parent / "shared" / "data" / "swebench_lite" / "test.jsonl"


def sh(cmd: str, cwd: Path | None = None) -> None:
    subprocess.run(["bash", "-c", cmd], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos-dir", type=Path, required=True)
    ap.add_argument("--instance", default="pytest-dev__pytest-7373")
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--venv-dir", type=Path, default=Path(tempfile.gettempdir()) / "orch-bench-venv")
    ap.add_argument("--python", help="Host interpreter for the local venv (default python<spec version>).")
    args = ap.parse_args()
    client = connect()
    cache = Path.home() / ".cache" / "orch"
    out: dict[str, object] = {}

    # 1. create + exec + destroy
    builder = ImageBuilder(client, cache)
    base = builder.ensure_base("bookworm")
    samples = []
    for _ in range(args.n):
        t = time.monotonic()
        with DockerSandbox(base, workdir="/tmp", client=client) as sb:
            sb.run("true")
        samples.append(time.monotonic() - t)
    q = statistics.quantiles(samples, n=10)
    out["create_exec_destroy_p50_s"] = round(statistics.median(samples), 3)
    out["create_exec_destroy_p90_s"] = round(q[8], 3)

    # 2. warm evaluation
    (inst,) = load_instances(DATASET, [args.instance])
    spec = default_registry().get(inst.repo, inst.version)
    repos = RepoSource(args.repos_dir, cache)
    builder.ensure_instance(inst.instance_id, inst.repo, inst.base_commit, spec, repos, inst.environment_setup_commit)
    pred = load_predictions("gold", [inst])[inst.instance_id]
    warm = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(3):
            opts = EvalOptions(run_dir=Path(tmp) / str(i), repos=repos, cache_dir=cache)
            t = time.monotonic()
            r = evaluate_instance(inst, pred, builder, opts)
            warm.append(time.monotonic() - t)
            assert r.status == "resolved", r
    out["warm_eval_s"] = round(statistics.median(warm), 2)

    # 3. local venv, same command
    py = args.python or f"python{spec.python}"
    venv, src = args.venv_dir / "venv", args.venv_dir / "src"
    if not (venv / "bin" / "python").exists():
        shutil.rmtree(args.venv_dir, ignore_errors=True)
        args.venv_dir.mkdir(parents=True)
        repos.checkout(inst.repo, inst.base_commit, src)
        (args.venv_dir / "gold.diff").write_text(inst.patch)
        (args.venv_dir / "test.diff").write_text(inst.test_patch)
        sh(f"git apply {args.venv_dir / 'gold.diff'} && git apply {args.venv_dir / 'test.diff'}", cwd=src)
        sh(f"{py} -m venv {venv}")
        sh(f"{venv}/bin/pip install -q -U " + " ".join(f"'{p}'" for p in spec.bootstrap))
        sh(f"{venv}/bin/pip install -q " + " ".join(f"'{p}'" for p in spec.pip_packages))
        tag = repos.nearest_tag(inst.repo, inst.base_commit) or "0.0"
        sh(
            f"SETUPTOOLS_SCM_PRETEND_VERSION={tag} SETUPTOOLS_ENABLE_FEATURES=legacy-editable PIP_NO_BUILD_ISOLATION=0 "
            f"{venv}/bin/pip install -q -e .",
            cwd=src,
        )
    cmd = f"{spec.test_cmd} {' '.join(test_directives(inst))}"
    local = []
    for _ in range(3):
        t = time.monotonic()
        subprocess.run(["bash", "-c", f"source {venv}/bin/activate && {cmd}"], cwd=src, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        local.append(time.monotonic() - t)
    out["local_venv_test_s"] = round(statistics.median(local), 2)
    out["warm_over_local_ratio"] = round(out["warm_eval_s"] / out["local_venv_test_s"], 2)  # type: ignore[operator]
    out["instance"] = inst.instance_id
    out["test_command"] = cmd
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
