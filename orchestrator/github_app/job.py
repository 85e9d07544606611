"""One queued job, start to finish: authorize, react, clone, solve, publish a draft PR or explain.

`run_job` is a plain function of plain data (the job, the settings, the installation's spend so
far), so the same function can run in the embedded worker pool or on another engine. Every step
that writes to GitHub is idempotent (comments carry markers, the branch is the job's own, an
existing PR for the branch is reused), so a job interrupted by a restart simply runs again.
"""

from __future__ import annotations

import shutil

import structlog
from pydantic import BaseModel

from orchestrator.config import OrchSettings
from orchestrator.github_app import gitops, messages
from orchestrator.github_app.auth import InstallationTokens
from orchestrator.github_app.budget import PolicyError, job_budget, read_repo_policy
from orchestrator.github_app.client import RepoClient
from orchestrator.github_app.solver import Solver, load_solver
from orchestrator.github_app.store import Job, JobKind, JobState
from orchestrator.logs import bind_context
from orchestrator.records.model import REQUEST
from orchestrator.workflow import Budgets, SolveRequest, SolveResult, SolveStatus

log = structlog.get_logger(__name__)


class JobOutcome(BaseModel):
    state: JobState
    reason: str
    pr_url: str | None = None
    cost_usd: float = 0.0
    run_id: str | None = None
    solve_status: str | None = None


class JobFailed(Exception):
    """Stops a job with a reason that is posted on the issue."""

    def __init__(self, reason: str, result: SolveResult | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.result = result


def run_job(job: Job, settings: OrchSettings, installation_spent_usd: float, solver: Solver | None = None) -> JobOutcome:
    trigger = job.trigger
    with bind_context(job_id=job.id, repo=job.repo, issue=job.issue):
        tokens = InstallationTokens.from_settings(settings.app)
        gh = RepoClient(tokens, trigger.installation_id, settings.app.api_url, trigger.owner, trigger.repo)
        if trigger.permission_check:
            permission = gh.permission(trigger.sender)
            if permission not in settings.app.allowed_permissions:
                log.info("trigger_not_allowed", sender=trigger.sender, permission=permission)
                return JobOutcome(state=JobState.IGNORED, reason=f"{trigger.sender} has {permission} permission")
        if job.kind is JobKind.NOTICE:
            gh.comment(trigger.issue_number, job.note)
            return JobOutcome(state=JobState.DONE, reason="notice posted")
        return _SolveJob(job, settings, gh, installation_spent_usd, solver).run()


class _SolveJob:
    def __init__(self, job: Job, settings: OrchSettings, gh: RepoClient, spent_usd: float, solver: Solver | None) -> None:
        self.job = job
        self.trigger = job.trigger
        self.settings = settings
        self.app = settings.app
        self.gh = gh
        self.spent_usd = spent_usd
        self.solver = solver
        self.state_dir = self.app.state_dir.expanduser()
        self.workspace = self.state_dir / "work" / f"job-{job.id}"
        self.branch = f"orch/issue-{self.trigger.issue_number}-job-{job.id}"
        self.budget_usd: float | None = None
        self.result: SolveResult | None = None
        self.pushed = False

    @property
    def number(self) -> int:
        return self.trigger.issue_number

    def run(self) -> JobOutcome:
        try:
            if self.job.attempts > self.app.max_attempts:
                raise JobFailed(f"the job was started {self.job.attempts - 1} times without finishing; giving up")
            self.gh.react(self.number, "eyes")
            self.gh.upsert_comment(self.number, self._marker("status"), messages.status_comment(self.job.id))
            result = self._solve()
            pr_url = self._publish(result)
        except JobFailed as exc:
            return self._fail(exc.reason, exc.result or self.result)
        except Exception as exc:  # any other error still owes the issue an explanation
            log.exception("job_crashed")
            return self._fail(f"internal error ({type(exc).__name__}: {exc})", self.result)
        finally:
            shutil.rmtree(self.workspace, ignore_errors=True)
        self._finish_labels(self.app.result_label)
        self.gh.upsert_comment(self.number, self._marker("result"), messages.success_comment(pr_url, result, self.budget_usd or 0.0))
        return JobOutcome(
            state=JobState.DONE,
            reason="draft pull request opened",
            pr_url=pr_url,
            cost_usd=result.cost_usd,
            run_id=result.run_id,
            solve_status=result.status.value,
        )

    def _marker(self, what: str) -> str:
        return f"orch:job:{self.job.id}:{what}"

    def _solve(self) -> SolveResult:
        base_commit = gitops.clone(self.trigger.clone_url, self.workspace, self.trigger.default_branch, self.gh.token())
        try:
            policy = read_repo_policy(self.workspace)
        except PolicyError as exc:
            raise JobFailed(str(exc)) from None
        self.budget_usd = job_budget(self.app, policy, self.spent_usd)
        if self.budget_usd <= 0:
            raise JobFailed("the installation's daily spend cap is used up; try again tomorrow")
        issue = self.gh.issue(self.number)
        runs_dir = self.state_dir / "runs"
        run_id = f"gh-{self.trigger.repo}-{self.number}-job{self.job.id}"
        request = SolveRequest(
            issue_text=issue.get("body") or self.trigger.issue_body,
            issue_title=issue.get("title") or self.trigger.issue_title,
            issue_url=issue.get("html_url") or self.trigger.issue_url,
            repo=str(self.workspace),
            commit=base_commit,
            budgets=Budgets(cost_usd=self.budget_usd),
            run_id=run_id,
            # A restart mid-solve continues the run from its checkpoints instead of starting over.
            resume=(runs_dir / run_id / REQUEST).exists(),
            runs_dir=runs_dir,
        )
        solver = self.solver or load_solver(self.app.solver)
        log.info("solve_started", run_id=run_id, budget_usd=self.budget_usd, resume=request.resume)
        try:
            result = solver(request, self.settings)
        except Exception as exc:
            log.exception("solver_crashed")
            raise JobFailed(f"the solver crashed ({type(exc).__name__}: {exc})") from None
        log.info("solve_finished", status=result.status.value, cost_usd=result.cost_usd)
        self.result = result
        publishable = result.status is SolveStatus.RESOLVED or (
            result.status is SolveStatus.UNVALIDATED and self.app.publish_unvalidated
        )
        if not publishable:
            raise JobFailed(f"the run ended {result.status.value}: {result.message or 'no reason given'}", result)
        if not result.patch.strip():
            raise JobFailed("the run produced an empty patch", result)
        return result

    def _publish(self, result: SolveResult) -> str:
        existing = self.gh.find_pull(self.branch)
        if existing is not None:  # a previous attempt got this far before the restart
            return str(existing["html_url"])
        message = f"orch: fix #{self.number}\n\nRun {result.run_id}."
        try:
            gitops.commit_patch(self.workspace, result.patch, self.branch, message)
        except (gitops.UnsafePatch, gitops.GitError) as exc:
            raise JobFailed(f"the patch could not be committed: {exc}", result) from None
        gitops.push(self.workspace, self.trigger.clone_url, self.branch, self.gh.token())
        self.pushed = True
        issue_title = self.trigger.issue_title
        pull = self.gh.open_draft_pull(
            title=messages.pr_title(self.trigger, issue_title),
            body=messages.pr_body(self.trigger, result, self.budget_usd or 0.0),
            head=self.branch,
            base=self.trigger.default_branch,
        )
        return str(pull["html_url"])

    def _fail(self, reason: str, result: SolveResult | None) -> JobOutcome:
        log.warning("job_failed", reason=reason)
        if self.pushed:  # the branch without its PR is half a PR: take it back
            try:
                self.gh.delete_branch(self.branch)
            except Exception:
                log.exception("branch_cleanup_failed", branch=self.branch)
        try:
            body = messages.failure_comment(self.job.id, reason, result, self.budget_usd)
            self.gh.upsert_comment(self.number, self._marker("result"), body)
            self._finish_labels(self.app.failure_label)
        except Exception:
            log.exception("failure_report_failed")
        return JobOutcome(
            state=JobState.FAILED,
            reason=reason,
            cost_usd=result.cost_usd if result else 0.0,
            run_id=result.run_id if result else None,
            solve_status=result.status.value if result else None,
        )

    def _finish_labels(self, label: str) -> None:
        self.gh.remove_label(self.number, self.app.label)
        self.gh.add_labels(self.number, [label])

