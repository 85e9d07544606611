"""Batch evaluation of predictions, like the SWE-bench harness: build, apply, test, grade.

Layout of a run (`<runs_dir>/eval/<run_id>/`):

    summary.json                     official summary fields (resolved_ids, error_ids, ...)
    <instance_id>/eval.sh            the exact script that ran the tests
    <instance_id>/patch.diff         the prediction's patch
    <instance_id>/test_output.txt    everything the script printed
    <instance_id>/report.json        official per-instance report
    <instance_id>/result.json        our record: status, cause, timings (marks it finished)

A finished instance is never redone when the run id is reused; infrastructure errors are retried.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import shlex
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import structlog

from harness.dataset import Instance, Prediction
from harness.grading import Verdict, grade, instance_report
from harness.images import ImageBuilder, ImageBuildError
from harness.log_parsers import parser_for
from harness.repos import RepoError, RepoSource
from harness.sandbox import EngineUnavailable, SandboxError
from harness.sandboxes.docker import DockerSandbox, Limits, connect, reap_orphans
from harness.specs import EnvSpec, SpecError, SpecRegistry, default_registry

log = structlog.get_logger(__name__)

START = ">>>>> Start Test Output"
END = ">>>>> End Test Output"
EXIT = ">>>>> Test Exit Code"
#: Files a test patch touches that are data, not tests to run (same list as the official harness).
NON_TEST_EXTS = (".json", ".png", "csv", ".txt", ".md", ".jpg", ".jpeg", ".pkl", ".yml", ".yaml", ".toml")

Status = Literal["resolved", "unresolved", "empty_patch", "error"]
ErrorKind = Literal["infra", "patch"]


@dataclass
class InstanceResult:
    instance_id: str
    status: Status
    error_kind: ErrorKind | None = None
    """`infra` (engine, build, sandbox: not the prediction's fault) or `patch` (refused/does not apply)."""
    cause: str | None = None
    """One line saying why it was not resolved (or errored); None when resolved."""
    resolution: str | None = None
    image: str | None = None
    patch_method: str | None = None
    exit_code: int | None = None
    timed_out: bool = False
    oom_killed: bool = False
    build_seconds: float = 0.0
    eval_seconds: float = 0.0
    model_name_or_path: str | None = None
    python_substituted: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def diff_paths(diff: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"^diff --git a/.* b/(.*)$", diff, re.M)))


def test_directives(instance: Instance) -> list[str]:
    """What the test command runs: the test patch's files (Django wants dotted module labels)."""
    paths = [p for p in diff_paths(instance.test_patch) if not p.endswith(NON_TEST_EXTS)]
    if instance.repo == "django/django":
        labels = []
        for p in paths:
            p = p.removeprefix("tests/").removesuffix(".py")
            labels.append(p.replace("/", "."))
        return labels
    return paths


test_directives.__test__ = False  # type: ignore[attr-defined]


def make_eval_script(instance: Instance, spec: EnvSpec, nonce: str) -> str:
    """The evaluation script. Test files touched by the test patch are restored to the base
    commit first (a prediction must not rewrite the tests that judge it), then the test patch is
    applied and the tests run; markers carry a per-run nonce the repository cannot predict."""
    files = " ".join(shlex.quote(p) for p in diff_paths(instance.test_patch))
    directives = " ".join(shlex.quote(d) for d in test_directives(instance))
    lines = [
        "#!/bin/bash",
        "set -uo pipefail",
        "cd /testbed",
        *spec.eval_commands,
        f"for f in {files}; do",
        '  if git cat-file -e HEAD:"$f" 2>/dev/null; then git checkout -q HEAD -- "$f"; else rm -f "$f"; fi',
        "done",
        "if ! git apply -v /tmp/orch-test.patch; then",
        '  echo ">>>>> Test Patch Apply Failed"',
        "  exit 97",
        "fi",
        f"echo '{START} {nonce}'",
        f"{spec.test_cmd} {directives}",
        # the leading newline keeps the marker on its own line after output without a final newline
        f'printf "\\n{EXIT} {nonce}: %s\\n" "$?"',
        f"echo '{END} {nonce}'",
        f"for f in {files}; do",
        '  if git cat-file -e HEAD:"$f" 2>/dev/null; then git checkout -q HEAD -- "$f"; else rm -f "$f"; fi',
        "done",
        "",
    ]
    return "\n".join(lines)


_NETWORK_FAILURE = re.compile(
    r"Temporary failure in name resolution|Name or service not known|Network is unreachable|No route to host"
    r"|Failed to establish a new connection|getaddrinfo failed|Could not resolve host"
)


def network_failures(log: str) -> int:
    """Lines showing a test tried to reach the network (which sandboxes never have).

    SWE-bench labelled some instances with network access (e.g. old requests suites call
    httpbin.org); here those tests fail closed, and the cause should say so rather than blame
    the patch.
    """
    return len(_NETWORK_FAILURE.findall(log))


@dataclass(frozen=True)
class ParsedOutput:
    test_log: str
    exit_code: int | None
    suite_ran: bool


def split_output(output: str, nonce: str) -> ParsedOutput:
    """The test section of the script's output, and the exit code the script recorded."""
    start_tag, end_tag = f"{START} {nonce}", f"{END} {nonce}"
    start = output.find(start_tag)
    if start < 0:
        return ParsedOutput("", None, False)
    body_start = start + len(start_tag)
    end = output.find(end_tag, body_start)
    body = output[body_start:] if end < 0 else output[body_start:end]
    m = re.search(rf"^{re.escape(EXIT)} {re.escape(nonce)}: (\d+)$", body, re.M)
    exit_code = int(m.group(1)) if m else None
    if m:
        body = body[: m.start()]
    return ParsedOutput(body, exit_code, end >= 0 and m is not None)


@dataclass
class EvalOptions:
    run_dir: Path
    repos: RepoSource
    cache_dir: Path
    limits: Limits = field(default_factory=Limits)
    eval_timeout: float = 1800.0
    workers: int = 1
    build_network: str = "host"
    max_output: int = 64 * 1024 * 1024
    specs: SpecRegistry | None = None
    base_source: str = "local"
    registry_image: str = "python:{python}-slim"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _finish(idir: Path, result: InstanceResult, report: dict[str, Any]) -> InstanceResult:
    _write(idir / "report.json", json.dumps(report, indent=2))
    _write(idir / "result.json", json.dumps(asdict(result), indent=2))
    return result


def evaluate_instance(
    instance: Instance, prediction: Prediction | None, builder: ImageBuilder | None, opts: EvalOptions, engine_error: str | None = None
) -> InstanceResult:
    """Grade one prediction. Never raises for per-instance problems: they become labelled results."""
    idir = opts.run_dir / instance.instance_id
    if idir.exists():  # a retried instance: stale logs from the failed try would mislead
        shutil.rmtree(idir)
    idir.mkdir(parents=True, exist_ok=True)
    bound = log.bind(instance_id=instance.instance_id)
    patch = prediction.model_patch if prediction else None
    model = prediction.model_name_or_path if prediction else None
    _write(idir / "patch.diff", patch or "")
    result = InstanceResult(instance.instance_id, "error", model_name_or_path=model)

    def done(status: Status, cause: str | None, kind: ErrorKind | None = None, **kw: Any) -> InstanceResult:
        verdict = kw.pop("verdict", None)
        result.status, result.cause, result.error_kind = status, cause, kind
        for k, v in kw.items():
            setattr(result, k, v)
        bound.info("eval.instance.done", status=status, cause=cause, kind=kind)
        return _finish(idir, result, instance_report(instance.instance_id, patch=patch, applied=bool(result.patch_method), verdict=verdict))

    if not patch or not patch.strip():
        return done("empty_patch", "empty patch: nothing to evaluate")
    if engine_error or builder is None:
        return done("error", f"engine_unavailable: {engine_error}", "infra")
    try:
        spec = (opts.specs or default_registry()).get(instance.repo, instance.version)
        if spec.python_substituted and opts.base_source == "local":
            result.python_substituted = f"{spec.python} -> {spec.release}"
        t0 = time.monotonic()
        image = builder.ensure_instance(
            instance.instance_id, instance.repo, instance.base_commit, spec, opts.repos, instance.environment_setup_commit or instance.base_commit
        )
        result.build_seconds, result.image = round(time.monotonic() - t0, 1), image
    except SpecError as exc:
        return done("error", f"no_spec: {exc}", "infra")
    except ImageBuildError as exc:
        _write(idir / "image_build.log", exc.log_tail)
        return done("error", f"build_failed ({exc.stage}): {str(exc)[:300]}", "infra")
    except RepoError as exc:
        return done("error", f"repo_unavailable: {exc}", "infra")
    except Exception as exc:  # engine died mid-build, disk full, ...: still one labelled instance
        return done("error", f"infra: {type(exc).__name__}: {exc}", "infra")

    nonce = secrets.token_hex(8)
    script = make_eval_script(instance, spec, nonce)
    _write(idir / "eval.sh", script)
    t1 = time.monotonic()
    try:
        limits = opts.limits
        if spec.nano_cpus and spec.nano_cpus / 1e9 > limits.cpus:
            limits = dataclasses.replace(limits, cpus=spec.nano_cpus / 1e9)
        with DockerSandbox(image, limits=limits, client=builder.client, labels={"orch.instance_id": instance.instance_id}) as sb:
            applied = sb.apply_patch(patch)
            _write(idir / "patch_apply.log", "\n".join(applied.attempts) + ("\n" + applied.reason if applied.reason else ""))
            if not applied.applied:
                cause = applied.reason or "patch does not apply"
                return done("error", ("patch_refused: " if applied.refused else "patch_apply_failed: ") + cause, "patch")
            result.patch_method = applied.method
            sb.put_files("/tmp", {"orch-eval.sh": script.encode(), "orch-test.patch": instance.test_patch.encode()})
            run = sb.run("bash /tmp/orch-eval.sh 2>&1", timeout=opts.eval_timeout, max_output=opts.max_output)
            # the script outlives a test runner the kernel killed, so its own exit code says nothing
            oom_killed = run.oom_killed or sb.new_oom_kills()
    except SandboxError as exc:
        return done("error", f"sandbox: {exc}", "infra")
    except Exception as exc:
        return done("error", f"infra: {type(exc).__name__}: {exc}", "infra")
    result.eval_seconds = round(time.monotonic() - t1, 1)
    _write(idir / "test_output.txt", run.stdout)
    result.exit_code, result.timed_out, result.oom_killed = None, run.timed_out, oom_killed
    if "\n>>>>> Test Patch Apply Failed" in "\n" + run.stdout and run.exit_code == 97:
        return done("error", "test_patch_failed: the dataset's test patch does not apply over this prediction", "patch")
    parsed = split_output(run.stdout, nonce)
    result.exit_code = parsed.exit_code
    status = parser_for(instance.repo, spec.log_parser)(parsed.test_log)
    verdict: Verdict = grade(
        status, instance.fail_to_pass, instance.pass_to_pass, exit_code=parsed.exit_code, timed_out=run.timed_out, suite_ran=parsed.suite_ran
    )
    result.resolution = verdict.resolution.value
    if verdict.resolved:
        return done("resolved", None, verdict=verdict)
    if oom_killed:
        cause = f"oom_killed: a process exceeded the {opts.limits.memory} memory limit"
    elif run.timed_out:
        cause = f"timeout: tests still running after {opts.eval_timeout:.0f}s (process tree killed)"
    elif verdict.reason:
        cause = verdict.reason
    else:
        ts = verdict.tests_status
        f2p, p2p = ts["FAIL_TO_PASS"]["failure"], ts["PASS_TO_PASS"]["failure"]
        cause = f"tests_failed: FAIL_TO_PASS {len(f2p)} failing{(' e.g. ' + f2p[0]) if f2p else ''}; PASS_TO_PASS {len(p2p)} failing{(' e.g. ' + p2p[0]) if p2p else ''}"
        net = network_failures(parsed.test_log)
        if net:
            result.extra["network_failure_lines"] = net
            cause += f"; network-dependent: {net} log lines show DNS/connection failures (sandboxes have no network)"
    return done("unresolved", cause, verdict=verdict)


def summarize(instances: list[Instance], predictions: dict[str, Prediction], results: dict[str, InstanceResult]) -> dict[str, Any]:
    """The official summary fields (schema_version 2), plus our labelled extras."""
    ids = [i.instance_id for i in instances]
    submitted = [i for i in ids if i in predictions]
    by = {s: sorted(i for i, r in results.items() if r.status == s) for s in ("resolved", "unresolved", "empty_patch", "error")}
    completed = sorted(by["resolved"] + by["unresolved"])
    incomplete = sorted(set(ids) - set(completed) - set(by["empty_patch"]) - set(by["error"]))
    return {
        "total_instances": len(ids),
        "submitted_instances": len(submitted),
        "completed_instances": len(completed),
        "resolved_instances": len(by["resolved"]),
        "unresolved_instances": len(by["unresolved"]),
        "empty_patch_instances": len(by["empty_patch"]),
        "error_instances": len(by["error"]),
        "completed_ids": completed,
        "incomplete_ids": incomplete,
        "empty_patch_ids": by["empty_patch"],
        "submitted_ids": sorted(submitted),
        "resolved_ids": by["resolved"],
        "unresolved_ids": by["unresolved"],
        "error_ids": by["error"],
        "schema_version": 2,
        # not in the official schema: errors split by who is at fault, and every cause
        "infra_error_ids": sorted(i for i in by["error"] if results[i].error_kind == "infra"),
        "patch_error_ids": sorted(i for i in by["error"] if results[i].error_kind == "patch"),
        "causes": {i: results[i].cause for i in sorted(results) if results[i].cause and results[i].status != "empty_patch"},
    }


def _load_finished(idir: Path) -> InstanceResult | None:
    path = idir / "result.json"
    if not path.exists():
        return None
    try:
        result = InstanceResult(**json.loads(path.read_text()))
    except (ValueError, TypeError):
        return None
    # infrastructure errors were not the prediction's fault: a rerun should try again
    return None if result.status == "error" and result.error_kind == "infra" else result


def run_evaluation(
    instances: list[Instance],
    predictions: dict[str, Prediction],
    opts: EvalOptions,
    *,
    report_path: Path | None = None,
    on_result: Callable[[InstanceResult], None] | None = None,
) -> dict[str, Any]:
    """Evaluate every instance that has a prediction; resumable; writes and returns the summary."""
    opts.run_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, InstanceResult] = {}
    todo = []
    for inst in instances:
        if inst.instance_id not in predictions:
            continue
        finished = _load_finished(opts.run_dir / inst.instance_id)
        if finished is not None:
            results[inst.instance_id] = finished
        else:
            todo.append(inst)
    log.info("eval.start", run_dir=str(opts.run_dir), todo=len(todo), already_done=len(results))
    builder: ImageBuilder | None = None
    engine_error = None
    try:
        client = connect()
        reap_orphans(client)
        builder = ImageBuilder(
            client, opts.cache_dir, build_network=opts.build_network, base_source=opts.base_source, registry_image=opts.registry_image
        )
    except EngineUnavailable as exc:
        engine_error = str(exc)
        log.error("eval.engine_unavailable", error=engine_error)

    def one(inst: Instance) -> InstanceResult:
        try:
            return evaluate_instance(inst, predictions.get(inst.instance_id), builder, opts, engine_error)
        except Exception as exc:  # a bug here must not sink the other instances
            log.exception("eval.instance.crashed", instance_id=inst.instance_id)
            r = InstanceResult(inst.instance_id, "error", "infra", f"harness crashed: {type(exc).__name__}: {exc}")
            return _finish(opts.run_dir / inst.instance_id, r, instance_report(inst.instance_id, patch=None, applied=False, verdict=None))

    with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
        for fut in as_completed([pool.submit(one, i) for i in todo]):
            r = fut.result()
            results[r.instance_id] = r
            if on_result:
                on_result(r)
    summary = summarize(instances, predictions, results)
    out = report_path or opts.run_dir / "summary.json"
    _write(out, json.dumps(summary, indent=2))
    if builder is not None:
        builder.client.close()
    return summary
