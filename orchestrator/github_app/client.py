"""The GitHub calls the App makes for one repository, over githubkit with an installation token.

Responses are read as plain JSON for the few fields used, so a newer API schema or GitHub
Enterprise's older one cannot break a job over a field orch never reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from githubkit import GitHub, TokenAuthStrategy
from githubkit.exception import GitHubException, RequestFailed
from pydantic import SecretStr

from orchestrator.github_app.auth import InstallationTokens, api_client
from orchestrator.github_app.errors import GitHubApiError

T = TypeVar("T")


class RepoClient:
    """Issue, comment, label and pull request calls for one repository of one installation."""

    def __init__(self, tokens: InstallationTokens, installation_id: int, api_url: str, owner: str, repo: str) -> None:
        self._tokens = tokens
        self._installation_id = installation_id
        self._api_url = api_url
        self.owner = owner
        self.repo = repo

    def token(self) -> SecretStr:
        """A token valid for at least the refresh margin; for host-side git only."""
        return self._tokens.token(self._installation_id)

    def _gh(self) -> GitHub:
        # A client per call picks up a refreshed token without any shared mutable client.
        return api_client(self._api_url, TokenAuthStrategy(self.token().get_secret_value()))

    def _call(self, what: str, fn: Callable[[GitHub], T]) -> T:
        try:
            return fn(self._gh())
        except RequestFailed as exc:
            raise GitHubApiError(what, exc.response.status_code) from None
        except GitHubException as exc:
            raise GitHubApiError(f"{what} ({type(exc).__name__})", None) from None

    def issue(self, number: int) -> dict[str, Any]:
        return self._call("get issue", lambda gh: gh.rest.issues.get(self.owner, self.repo, number).json())

    def permission(self, username: str) -> str:
        """The user's permission on the repository (admin, maintain, write, triage, read, none)."""
        try:
            data = self._call(
                "get permission",
                lambda gh: gh.rest.repos.get_collaborator_permission_level(self.owner, self.repo, username).json(),
            )
        except GitHubApiError as exc:
            if exc.status == 404:  # not a collaborator at all
                return "none"
            raise
        return str(data.get("permission") or "none")

    def react(self, number: int, content: str) -> None:
        self._call(
            "add reaction",
            lambda gh: gh.rest.reactions.create_for_issue(self.owner, self.repo, number, content=content),  # type: ignore[arg-type]
        )

    def comments(self, number: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            batch = self._call(
                "list comments",
                lambda gh, p=page: gh.rest.issues.list_comments(self.owner, self.repo, number, per_page=100, page=p).json(),
            )
            out.extend(batch)
            if len(batch) < 100:
                return out
            page += 1

    def comment(self, number: int, body: str) -> int:
        data = self._call("create comment", lambda gh: gh.rest.issues.create_comment(self.owner, self.repo, number, body=body).json())
        return int(data["id"])

    def edit_comment(self, comment_id: int, body: str) -> None:
        self._call("edit comment", lambda gh: gh.rest.issues.update_comment(self.owner, self.repo, comment_id, body=body))

    def upsert_comment(self, number: int, marker: str, body: str) -> int:
        """Create or edit the comment carrying `marker`, so a resumed job never posts it twice."""
        tagged = f"{body}\n\n<!-- {marker} -->"
        for existing in self.comments(number):
            if f"<!-- {marker} -->" in (existing.get("body") or ""):
                self.edit_comment(int(existing["id"]), tagged)
                return int(existing["id"])
        return self.comment(number, tagged)

    def remove_label(self, number: int, name: str) -> None:
        try:
            self._call("remove label", lambda gh: gh.rest.issues.remove_label(self.owner, self.repo, number, name))
        except GitHubApiError as exc:
            if exc.status != 404:  # already gone is fine
                raise

    def add_labels(self, number: int, names: list[str]) -> None:
        self._call("add labels", lambda gh: gh.rest.issues.add_labels(self.owner, self.repo, number, labels=names))

    def branch_exists(self, branch: str) -> bool:
        try:
            self._call("get ref", lambda gh: gh.rest.git.get_ref(self.owner, self.repo, f"heads/{branch}"))
        except GitHubApiError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def delete_branch(self, branch: str) -> None:
        self._call("delete ref", lambda gh: gh.rest.git.delete_ref(self.owner, self.repo, f"heads/{branch}"))

    def find_pull(self, branch: str) -> dict[str, Any] | None:
        pulls = self._call(
            "list pulls",
            lambda gh: gh.rest.pulls.list(self.owner, self.repo, state="all", head=f"{self.owner}:{branch}").json(),
        )
        return pulls[0] if pulls else None

    def open_draft_pull(self, *, title: str, body: str, head: str, base: str) -> dict[str, Any]:
        return self._call(
            "create pull request",
            lambda gh: gh.rest.pulls.create(self.owner, self.repo, title=title, body=body, head=head, base=base, draft=True).json(),
        )
