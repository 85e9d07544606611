"""History evidence: past commits whose messages read like the issue, and the files they touched.

IR bug localization (BugLocator, Locus) finds that a repository's own history points at where a
new report's fix goes: files that earlier fixes of similar problems touched. Only history
reachable from the view's commit is read (`git log <commit>`), so a fix made after the view can
never leak in. The read is bounded (the newest `max_commits` non-merge commits, a timeout) and
keyed only by the repository path and commit, so every graph backend sees the same commits; no
git, a timeout or an unknown commit means no history and no evidence.

Parsing and scoring are pure; `read_log` is the only side effect.
"""

from __future__ import annotations

import math
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import structlog

from graph_index.localize.bm25 import BM25
from graph_index.localize.scoring import Evidence
from graph_index.localize.text import tokenize

log = structlog.get_logger(__name__)

MAX_COMMITS = 2000
"""Newest non-merge commits read (sympy: ~0.15 s for 2000 with their file lists)."""
LOG_TIMEOUT_S = 2.0
MESSAGE_CHARS = 1500
"""A commit message's text kept for matching (long bodies are changelogs and co-author lists)."""
MAX_FILES_PER_COMMIT = 30
"""A commit touching more files is a refactor, a reformat or a release: it points nowhere."""
TOP_COMMITS = 10
"""Most similar past commits whose files gain evidence."""
HALF_LIFE = 2000
"""Commits (by recency rank) after which a match counts half: recent fixes say more about the
code as it is now."""

_SEP_COMMIT = "\x1e"
_SEP_FIELD = "\x1f"


@dataclass(frozen=True)
class PastCommit:
    sha: str
    time: int
    """Committer time, seconds since the epoch."""
    message: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class HistorySource:
    """Where history is read: a git repository (work tree or bare) and the revision of the view."""

    repo: Path
    rev: str


def log_args(rev: str, max_commits: int) -> list[str]:
    return [
        "git",
        "-c",
        "core.quotepath=off",
        "log",
        "--no-merges",
        "--no-renames",
        f"--max-count={max_commits}",
        f"--format={_SEP_COMMIT}%H{_SEP_FIELD}%ct{_SEP_FIELD}%B{_SEP_FIELD}",
        "--name-only",
        rev,
        "--",
    ]


def parse_log(raw: str) -> list[PastCommit]:
    """Commits from `git log` output in `log_args`'s format, newest first."""
    out = []
    for chunk in raw.split(_SEP_COMMIT):
        parts = chunk.split(_SEP_FIELD)
        if len(parts) != 4 or not parts[1].strip().isdigit():
            continue
        sha, when, message, names = parts
        files = tuple(dict.fromkeys(n.strip() for n in names.splitlines() if n.strip()))
        out.append(PastCommit(sha.strip(), int(when), message.strip()[:MESSAGE_CHARS], files))
    return out


def read_log(
    source: HistorySource | None, max_commits: int = MAX_COMMITS, timeout: float = LOG_TIMEOUT_S
) -> list[PastCommit]:
    """The newest `max_commits` non-merge commits reachable from `source.rev`. Empty on any
    failure: history evidence is optional."""
    if source is None or max_commits <= 0:
        return []
    try:
        proc = subprocess.run(
            log_args(source.rev, max_commits),
            cwd=source.repo,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("history skipped", error=str(exc))
        return []
    if proc.returncode != 0:
        log.info(
            "history read failed",
            code=proc.returncode,
            stderr=proc.stderr[:200].decode(errors="replace"),
        )
        return []
    return parse_log(proc.stdout.decode(errors="replace"))


def similar_commits(
    issue_text: str, commits: Sequence[PastCommit], files: Iterable[str], k: int | None = None
) -> list[tuple[PastCommit, float]]:
    """The past commits whose messages best match the issue (BM25), best first, among those that
    touched at least one of `files` (the view's) and not too many files."""
    wanted = set(files)
    docs: dict[int, Counter[str]] = {}
    for i, c in enumerate(commits):
        if len(c.files) <= MAX_FILES_PER_COMMIT and any(f in wanted for f in c.files):
            docs[i] = Counter(tokenize(c.message))
    if not docs:
        return []
    scores = BM25(docs).scores(tokenize(issue_text))
    scores = {i: v * 0.5 ** (i / HALF_LIFE) for i, v in scores.items()}  # type: ignore[operator]
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[: k or TOP_COMMITS]
    return [(commits[i], s) for i, s in best if s > 0]  # type: ignore[index]


def history_evidence(
    issue_text: str, commits: Sequence[PastCommit], files: Sequence[str]
) -> list[Evidence]:
    """File evidence from the past commits most like the issue, naming the commits."""
    similar = similar_commits(issue_text, commits, files)
    wanted = set(files)
    out = []
    top = similar[0][1] if similar else 1.0
    for c, s in similar:
        touched = [f for f in c.files if f in wanted]
        subject = c.message.splitlines()[0] if c.message else ""
        subject = subject if len(subject) <= 60 else subject[:57] + "..."
        share = (s / top) / math.sqrt(len(c.files))
        for f in touched:
            out.append(
                Evidence(f, "history", share, f'past commit {c.sha[:10]} "{subject}" touched it')
            )
    return out


def in_background(
    issue_text: str, read: Callable[[], list[PastCommit]], files: Sequence[str]
) -> Callable[[], list[Evidence]]:
    """Read and score history on a thread (git runs while the store answers the other
    questions); the returned function waits for the evidence. A failure means no evidence."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
    future = pool.submit(lambda: history_evidence(issue_text, read(), files))
    pool.shutdown(wait=False)  # the read still runs; the pool takes nothing more

    def result() -> list[Evidence]:
        try:
            return future.result()
        except Exception as exc:  # evidence is optional; localization must answer anyway
            log.info("history skipped", error=str(exc))
            return []

    return result
