"""Which webhook deliveries start work: parsing and the trigger rules, with no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestrator.config.model import AppSettings

# Owner and repository names end up in paths, branch names and URLs.
_NAME = r"^[A-Za-z0-9_.-]{1,100}$"


class _Lenient(BaseModel):
    # GitHub adds fields over time; only the ones read here are validated.
    model_config = ConfigDict(extra="ignore")


class _Account(_Lenient):
    login: str = Field(min_length=1, max_length=100)
    type: str = "User"


class _Owner(_Lenient):
    login: str = Field(pattern=_NAME)


class _Repository(_Lenient):
    name: str = Field(pattern=_NAME)
    owner: _Owner
    clone_url: str = Field(min_length=1, max_length=2000)
    default_branch: str = Field("main", min_length=1, max_length=255)


class _Issue(_Lenient):
    number: int = Field(gt=0)
    title: str = ""
    body: str | None = None
    html_url: str = ""
    state: str = "open"
    pull_request: dict[str, Any] | None = None


class _Installation(_Lenient):
    id: int = Field(gt=0)


class _Label(_Lenient):
    name: str


class _Comment(_Lenient):
    body: str | None = None
    author_association: str = "NONE"


class _IssuesEvent(_Lenient):
    action: str
    issue: _Issue
    repository: _Repository
    installation: _Installation
    sender: _Account
    label: _Label | None = None


class _CommentEvent(_Lenient):
    action: str
    issue: _Issue
    repository: _Repository
    installation: _Installation
    sender: _Account
    comment: _Comment


class Trigger(BaseModel):
    """A request to solve one issue, as taken from a delivery. Plain data: it is queued as JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["label", "command"]
    delivery_id: str
    installation_id: int
    owner: str
    repo: str
    issue_number: int
    issue_title: str
    issue_body: str
    issue_url: str
    clone_url: str
    default_branch: str
    sender: str
    permission_check: bool
    """True when only the API can tell whether the sender may trigger orch (label events)."""

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"


@dataclass(frozen=True)
class Decision:
    trigger: Trigger | None
    reason: str
    invalid: bool = False
    """The delivery claims a handled event but its payload does not have the expected shape."""


HANDLED_EVENTS = ("issues", "issue_comment")


def decide(event: str, delivery_id: str, payload: Any, app: AppSettings) -> Decision:
    """Whether a verified delivery starts a solve, and why (not)."""
    if event == "ping":
        return Decision(None, "ping")
    if event not in HANDLED_EVENTS:
        return Decision(None, f"event {event!r} is not handled")
    if not isinstance(payload, dict):
        return Decision(None, "payload is not a JSON object", invalid=True)
    model = _IssuesEvent if event == "issues" else _CommentEvent
    try:
        parsed = model.model_validate(payload)
    except ValidationError as exc:
        return Decision(None, f"unexpected payload: {exc.errors()[0]['loc']}", invalid=True)
    if parsed.sender.type == "Bot":
        return Decision(None, "sender is a bot")
    if parsed.issue.pull_request is not None:
        return Decision(None, "pull requests are not solved")
    if parsed.issue.state != "open":
        return Decision(None, "issue is not open")
    if isinstance(parsed, _IssuesEvent):
        return _decide_label(parsed, delivery_id, app)
    return _decide_comment(parsed, delivery_id, app)


def is_command(body: str | None, command: str) -> bool:
    """`/orch solve` on the comment's first line, alone or followed by words."""
    first = (body or "").strip().splitlines()[0].strip() if (body or "").strip() else ""
    wanted = command.strip().lower()
    return bool(wanted) and (first.lower() == wanted or first.lower().startswith(wanted + " "))


def _decide_label(event: _IssuesEvent, delivery_id: str, app: AppSettings) -> Decision:
    if event.action != "labeled":
        return Decision(None, f"issues.{event.action} is not handled")
    if event.label is None or event.label.name != app.label:
        return Decision(None, "not the trigger label")
    return Decision(_trigger("label", event, delivery_id, permission_check=True), "labelled")


def _decide_comment(event: _CommentEvent, delivery_id: str, app: AppSettings) -> Decision:
    if event.action != "created":
        return Decision(None, f"issue_comment.{event.action} is not handled")
    if not is_command(event.comment.body, app.command):
        return Decision(None, "not a command")
    if event.comment.author_association not in app.allowed_associations:
        return Decision(None, f"author association {event.comment.author_association} is not allowed")
    return Decision(_trigger("command", event, delivery_id, permission_check=False), "command")


def _trigger(kind: Literal["label", "command"], event: _IssuesEvent | _CommentEvent, delivery_id: str, *, permission_check: bool) -> Trigger:
    repo = event.repository
    return Trigger(
        kind=kind,
        delivery_id=delivery_id,
        installation_id=event.installation.id,
        owner=repo.owner.login,
        repo=repo.name,
        issue_number=event.issue.number,
        issue_title=event.issue.title,
        issue_body=event.issue.body or "",
        issue_url=event.issue.html_url,
        clone_url=repo.clone_url,
        default_branch=repo.default_branch,
        sender=event.sender.login,
        permission_check=permission_check,
    )
