"""The issue as plain data, from a GitHub URL, a local file or text given directly."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from orchestrator.ingest.errors import IngestError
from orchestrator.ingest.github import GitHubClient, parse_issue_url


class Issue(BaseModel):
    title: str = ""
    body: str = ""
    comments: list[str] = Field(default_factory=list)
    url: str | None = None
    source: str = "text"
    """github | file | dataset | text"""
    repo_clone_url: str | None = None
    """For a GitHub issue: the repository it belongs to (used when --repo is not given)."""
    default_branch: str | None = None
    hints: str = ""

    def text(self) -> str:
        """Everything an agent should read, title first."""
        parts = [f"# {self.title}".strip() if self.title else "", self.body.strip()]
        parts += [f"Comment:\n{c.strip()}" for c in self.comments if c.strip()]
        if self.hints.strip():
            parts.append(f"Hints:\n{self.hints.strip()}")
        return "\n\n".join(p for p in parts if p)


def _from_file(path: Path) -> Issue:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read issue file {path}: {exc}") from None
    if not text.strip():
        raise IngestError(f"issue file {path} is empty")
    lines = text.strip().splitlines()
    title = lines[0].lstrip("#").strip() if lines[0].startswith("#") else ""
    body = "\n".join(lines[1:]).strip() if title else text.strip()
    return Issue(title=title, body=body, url=str(path.resolve()), source="file")


def load_issue(ref: str, *, api_url: str, token: str | None = None, timeout: float = 30.0) -> Issue:
    """`ref` is a GitHub issue URL or a path to a Markdown/text file."""
    if ref.startswith(("http://", "https://")):
        owner, repo, number = parse_issue_url(ref)
        with GitHubClient(api_url, token=token, timeout=timeout) as gh:
            data = gh.issue(owner, repo, number)
            comments = gh.comments(owner, repo, number) if data.get("comments") else []
            meta = gh.repository(owner, repo)
        return Issue(
            title=data.get("title") or "",
            body=data.get("body") or "",
            comments=[c.get("body") or "" for c in comments],
            url=data.get("html_url") or ref,
            source="github",
            repo_clone_url=meta.get("clone_url"),
            default_branch=meta.get("default_branch"),
        )
    path = Path(ref).expanduser()
    if not path.is_file():
        raise IngestError(f"issue {ref!r} is neither an http(s) issue URL nor an existing file")
    return _from_file(path)
