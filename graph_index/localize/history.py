"""History evidence: past commits whose messages read like the issue, and the files they touched.

IR bug localization (BugLocator, Locus) finds that a repository's own history points at where a
new report's fix goes: files that earlier fixes of similar problems touched. Only history
reachable from the view's commit is read (`git log <commit>`), so a fix made after the view can
never leak in. Reading is bounded and in two steps: the messages of the newest `MAX_COMMITS`
non-merge commits (cheap: no diffs), then the files of the few most similar ones only (diffing
every commit cost sympy 4-6x more). Both reads are keyed only by the repository path and
commit, so every graph backend sees the same commits; no git, a timeout or an unknown commit
means no history and no evidence.

Parsing and scoring are pure; `read_log` and `read_files` are the side effects.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import structlog

from graph_index.localize.bm25 import BM25
from graph_index.localize.gitrun import optional_git
from graph_index.localize.scoring import Evidence
from graph_index.localize.text import tokenize

log = structlog.get_logger(__name__)

MAX_COMMITS = 2000
"""Newest non-merge commits whose messages are read (sympy: ~30 ms, messages only)."""
LOG_TIMEOUT_S = 2.0
MESSAGE_CHARS = 1500
"""A commit message's text kept for matching (long bodies are changelogs and co-author lists)."""
CANDIDATE_COMMITS = 30
"""Most similar messages whose commits' files are read."""
MAX_FILES_PER_COMMIT = 30
"""A commit touching more files is a refactor, a reformat or a release: it points nowhere."""
TOP_COMMITS = 10
"""Most similar past commits (touching the view's files) whose files gain evidence."""
HALF_LIFE = 2000
"""Commits (by recency rank) after which a match counts half: recent fixes say more about the
code as it is now."""

_SEP_COMMIT = "\x1e"
_SEP_FIELD = "\x1f"
_FORMAT = f"--format={_SEP_COMMIT}%H{_SEP_FIELD}%ct{_SEP_FIELD}%B{_SEP_FIELD}"


@dataclass(frozen=True)
class PastCommit:
    sha: str
    time: int
    """Committer time, seconds since the epoch."""
    message: str
    files: tuple[str, ...] = ()
    """Files it changed (empty until read: messages are read first)."""


@dataclass(frozen=True)
class HistorySource:
    """Where history is read: a git repository (work tree or bare) and the revision of the view."""

    repo: Path
    rev: str


def log_args(rev: str, max_commits: int) -> list[str]:
    """Messages of the newest non-merge commits reachable from `rev` (merges repeat their
    branch's messages and have no diff of their own)."""
    return ["git", "log", "--no-merges", f"--max-count={max_commits}", _FORMAT, rev, "--"]


def files_args(shas: Sequence[str]) -> list[str]:
    """The files each of `shas` changed, against its parent."""
    return [
        "git",
        "-c",
        "core.quotepath=off",
        "log",
        "--no-walk=unsorted",
        "--no-renames",
        "--name-only",
        _FORMAT,
        *shas,
        "--",
    ]


def parse_log(raw: str) -> list[PastCommit]:
    """Commits from `git log` output in `_FORMAT` (with or without `--name-only`), in order."""
    out = []
    for chunk in raw.split(_SEP_COMMIT):
        parts = chunk.split(_SEP_FIELD)
        if len(parts) != 4 or not parts[1].strip().isdigit():
            continue
        sha, when, message, names = parts
        files = tuple(dict.fromkeys(n.strip() for n in names.splitlines() if n.strip()))
        out.append(PastCommit(sha.strip(), int(when), message.strip()[:MESSAGE_CHARS], files))
    return out


def _git(source: HistorySource, args: list[str], timeout: float) -> list[PastCommit]:
    stdout = optional_git(args, source.repo, timeout, "history")
    return parse_log(stdout.decode(errors="replace")) if stdout is not None else []


def read_log(
    source: HistorySource | None, max_commits: int | None = None, timeout: float = LOG_TIMEOUT_S
) -> list[PastCommit]:
    """The newest `max_commits` non-merge commits reachable from `source.rev`, newest first,
    without their files. Empty on any failure: history evidence is optional."""
    n = MAX_COMMITS if max_commits is None else max_commits
    if source is None or n <= 0:
        return []
    return _git(source, log_args(source.rev, n), timeout)


def read_files(
    source: HistorySource | None, shas: Sequence[str], timeout: float = LOG_TIMEOUT_S
) -> dict[str, tuple[str, ...]]:
    """sha -> the files that commit changed. Empty on any failure."""
    if source is None or not shas:
        return {}
    return {c.sha: c.files for c in _git(source, files_args(shas), timeout)}


def similar_commits(
    issue_text: str, commits: Sequence[PastCommit], k: int | None = None
) -> list[tuple[PastCommit, float]]:
    """The past commits whose messages best match the issue (BM25, halved every `HALF_LIFE`
    commits back), best first."""
    if not commits:
        return []
    query = tokenize(issue_text)
    wanted = set(query)
    docs: dict[int, Counter[str]] = {}
    lengths: dict[int, int] = {}
    for i, c in enumerate(commits):
        terms = tokenize(c.message)
        lengths[i] = len(terms)
        docs[i] = Counter(t for t in terms if t in wanted)
    scores = BM25(docs, lengths=lengths).scores(query)
    decayed = {i: s * 0.5 ** (i / HALF_LIFE) for i, s in scores.items() if s > 0}  # type: ignore[operator]
    best = sorted(decayed.items(), key=lambda kv: (-kv[1], kv[0]))[: k or CANDIDATE_COMMITS]
    return [(commits[i], s) for i, s in best]


def history_evidence(
    similar: Sequence[tuple[PastCommit, float]], files: Sequence[str]
) -> list[Evidence]:
    """File evidence from the most similar commits that touched the view's files and not too many
    files: each commit's score (relative to the best such commit) shared between its files, so
    one wide commit does not outweigh a focused one; notes name the commit."""
    wanted = set(files)
    kept = [
        (c, s)
        for c, s in similar
        if 0 < len(c.files) <= MAX_FILES_PER_COMMIT and any(f in wanted for f in c.files)
    ]
    kept = kept[:TOP_COMMITS]
    out = []
    top = kept[0][1] if kept else 1.0
    for c, s in kept:
        subject = c.message.splitlines()[0] if c.message else ""
        subject = subject if len(subject) <= 60 else subject[:57] + "..."
        share = (s / top) / math.sqrt(len(c.files))
        for f in c.files:
            if f in wanted:
                out.append(
                    Evidence(
                        f, "history", share, f'past commit {c.sha[:10]} "{subject}" touched it'
                    )
                )
    return out


def evidence_from(
    issue_text: str,
    read_commits: Callable[[], list[PastCommit]],
    read_changed: Callable[[list[str]], dict[str, tuple[str, ...]]],
    files: Sequence[str],
) -> list[Evidence]:
    """Messages first, then the files of the most similar commits only."""
    similar = similar_commits(issue_text, read_commits())
    changed = read_changed([c.sha for c, _ in similar]) if similar else {}
    return history_evidence(
        [(dataclasses.replace(c, files=changed.get(c.sha, c.files)), s) for c, s in similar], files
    )


def in_background(compute: Callable[[], list[Evidence]]) -> Callable[[], list[Evidence]]:
    """Run `compute` on a thread (git runs while the store answers the other questions); the
    returned function waits for its evidence. A failure means no evidence."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
    future = pool.submit(compute)
    pool.shutdown(wait=False)  # the submitted work still runs; the pool takes nothing more

    def result() -> list[Evidence]:
        try:
            return future.result()
        except Exception as exc:  # evidence is optional; localization must answer anyway
            log.info("history skipped", error=str(exc))
            return []

    return result
