"""Ingest: turn an issue reference and a repository reference into plain data and a checkout."""

from orchestrator.ingest.dataset import load_dataset_row
from orchestrator.ingest.errors import IngestError
from orchestrator.ingest.github import GitHubClient, parse_issue_url
from orchestrator.ingest.issue import Issue, load_issue
from orchestrator.ingest.repo import RepoCheckout, prepare_repo

__all__ = [
    "GitHubClient",
    "Issue",
    "IngestError",
    "RepoCheckout",
    "load_dataset_row",
    "load_issue",
    "parse_issue_url",
    "prepare_repo",
]
