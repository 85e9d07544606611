"""The App's own exceptions, shared by its modules."""

from __future__ import annotations


class AppConfigError(Exception):
    """The App cannot run with this configuration; one line naming the setting."""


class GitHubApiError(Exception):
    """A GitHub call failed; the message names the call and the status, never a token."""

    def __init__(self, what: str, status: int | None) -> None:
        super().__init__(f"GitHub API: {what} failed" + (f" with status {status}" if status else ""))
        self.status = status
