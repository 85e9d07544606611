"""Which pending instance starts next: pure logic over plain data, no processes.

Two rules beyond first-come order:
- Repository warm-up. While the first instance of a repository is running, no other instance of
  that repository starts: it would build the same environment image and index the same files in
  parallel instead of reusing them. Other repositories' instances fill the free workers meanwhile.
- Budget. Nothing starts once the batch's total spend reached its cap, and each instance's own cap
  is lowered to what is left, so in-flight instances can overshoot the total by at most their caps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Scheduler:
    pending: list[dict[str, Any]]
    """Dataset rows still to run, in the order they should start."""
    warm_repos: set[str] = field(default_factory=set)
    """Repositories with at least one finished instance in this run (image built, index written)."""
    running_repos: dict[str, int] = field(default_factory=dict)
    warmup: bool = True
    """Apply the warm-up rule; off, instances start strictly in order."""

    def next_ready(self) -> dict[str, Any] | None:
        """Pop the first pending row that may start now, or None."""
        for i, row in enumerate(self.pending):
            repo = str(row.get("repo", ""))
            if not self.warmup or repo in self.warm_repos or not self.running_repos.get(repo):
                self.running_repos[repo] = self.running_repos.get(repo, 0) + 1
                return self.pending.pop(i)
        return None

    def finished(self, repo: str, *, warmed: bool = True) -> None:
        self.running_repos[repo] = max(0, self.running_repos.get(repo, 0) - 1)
        if warmed:
            self.warm_repos.add(repo)

    def requeue_front(self, rows: Sequence[dict[str, Any]]) -> None:
        self.pending[:0] = list(rows)


def instance_cap(per_instance: float | None, total: float | None, spent: float) -> float | None:
    """The spend cap to give the next instance, or None for no cap."""
    caps = [c for c in (per_instance, None if total is None else max(0.0, total - spent)) if c is not None]
    return min(caps) if caps else None


def budget_exhausted(total: float | None, spent: float) -> bool:
    return total is not None and spent >= total
