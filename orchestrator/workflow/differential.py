"""Choosing among candidates: execution evidence first, then the reviewer; when candidates tie
and their reproduction tests differ, a differential test decides.

The differential test runs every candidate's reproduction test against every tied candidate's
patch. A patch that also passes the other attempts' reproductions fixes the issue as they
understood it too; the one that passes the most wins. Scoring is pure; `run_matrix` is the only
part that touches a sandbox.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestrator.workflow.ports import Sandbox
from orchestrator.workflow.state import Candidate, Reproduction


def evidence_score(c: Candidate) -> tuple[int, int, int, int]:
    """(has a patch, its own reproduction passes, all its tests pass, reviewer approved)."""
    by_name = {r.name: r.passed for r in c.evidence.runs}
    return (
        int(bool(c.patch.strip())),
        int(by_name.get("reproduction", False)),
        int(c.evidence.passed),
        int(c.review is not None and c.review.approved),
    )


def distinct_reproductions(candidates: list[Candidate]) -> list[Reproduction]:
    seen: dict[tuple[str, str, str], Reproduction] = {}
    for c in candidates:
        r = c.reproduction
        if r is not None and r.failed_before:
            seen.setdefault((r.test_path, r.content, r.command), r)
    return list(seen.values())


def tied_best(candidates: list[Candidate]) -> list[Candidate]:
    top = max(evidence_score(c) for c in candidates)
    return [c for c in candidates if evidence_score(c) == top]


def needs_differential(candidates: list[Candidate]) -> bool:
    tied = tied_best(candidates)
    return len(tied) > 1 and evidence_score(tied[0])[0] == 1 and len(distinct_reproductions(candidates)) > 1


def choose(candidates: list[Candidate], passes: dict[int, int] | None = None) -> Candidate:
    """The best candidate: evidence score, then reproductions passed in the differential test,
    then the earliest attempt."""
    passes = passes or {}
    return max(candidates, key=lambda c: (evidence_score(c), passes.get(c.index, 0), -c.index))


def run_matrix(
    sandbox: Sandbox, tied: list[Candidate], reproductions: list[Reproduction],
    record: Callable[[int, str, bool], None] | None = None,
) -> dict[int, int]:
    """For each tied candidate, how many of the reproductions pass with its patch applied."""
    passes: dict[int, int] = {}
    for c in tied:
        passes[c.index] = 0
        for r in reproductions:
            sandbox.reset()
            applied = sandbox.apply_patch(c.patch)
            ok = False
            if applied.applied:
                sandbox.write_file(r.test_path, r.content)
                result = sandbox.run(r.command, timeout=None)
                ok = result.exit_code == 0 and not result.timed_out
            passes[c.index] += int(ok)
            if record is not None:
                record(c.index, r.test_path, ok)
    sandbox.reset()
    return passes
