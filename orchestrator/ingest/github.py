"""A minimal GitHub REST client: an issue, its comments, its repository. Base URL configurable
(GitHub Enterprise: https://HOST/api/v3); GITHUB_TOKEN optional."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import httpx

from orchestrator.ingest.errors import IngestError

_ISSUE_PATH = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)/issues/(?P<number>\d+)/?$")
# GitHub pages comments at 100 at most; stop after a sane number so a huge thread cannot stall.
_MAX_COMMENT_PAGES = 10


def parse_issue_url(url: str) -> tuple[str, str, int]:
    """https://github.com/OWNER/REPO/issues/N (any host) -> (OWNER, REPO, N)."""
    m = _ISSUE_PATH.match(urlparse(url).path)
    if not m:
        raise IngestError(f"not a GitHub issue URL (expected https://HOST/OWNER/REPO/issues/N): {url}")
    return m["owner"], m["repo"], int(m["number"])


class GitHubClient:
    def __init__(self, api_url: str, token: str | None = None, timeout: float = 30.0) -> None:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=api_url.rstrip("/"), headers=headers, timeout=timeout)

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def _get(self, path: str, what: str, **params: Any) -> Any:
        try:
            resp = self._http.get(path, params=params or None)
        except httpx.HTTPError as exc:
            raise IngestError(f"GitHub API unreachable fetching {what}: {exc}", kind="infra") from None
        if resp.status_code == 404:
            raise IngestError(f"{what} not found (HTTP 404 from {resp.request.url})")
        if resp.status_code in (401, 403):
            hint = "set GITHUB_TOKEN" if "Authorization" not in self._http.headers else "check GITHUB_TOKEN"
            raise IngestError(f"GitHub refused access to {what} (HTTP {resp.status_code}); {hint}")
        if resp.status_code >= 400:
            raise IngestError(f"GitHub API error fetching {what}: HTTP {resp.status_code}", kind="infra")
        try:
            return resp.json()
        except ValueError:
            raise IngestError(f"GitHub API returned non-JSON for {what}", kind="infra") from None

    def issue(self, owner: str, repo: str, number: int) -> dict[str, Any]:
        data = self._get(f"/repos/{owner}/{repo}/issues/{number}", f"issue {owner}/{repo}#{number}")
        if "pull_request" in data:
            raise IngestError(f"{owner}/{repo}#{number} is a pull request, not an issue")
        return data

    def comments(self, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in range(1, _MAX_COMMENT_PAGES + 1):
            batch = self._get(
                f"/repos/{owner}/{repo}/issues/{number}/comments",
                f"comments of {owner}/{repo}#{number}",
                per_page=100,
                page=page,
            )
            out.extend(batch)
            if len(batch) < 100:
                break
        return out

    def repository(self, owner: str, repo: str) -> dict[str, Any]:
        return self._get(f"/repos/{owner}/{repo}", f"repository {owner}/{repo}")
