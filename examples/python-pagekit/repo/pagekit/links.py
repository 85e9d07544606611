"""Render the page links a list view shows under a table."""

from __future__ import annotations

from pagekit.paginator import Paginator


def page_links(paginator: Paginator, current: int, window: int = 2) -> list[str]:
    """Labels for the page navigation: numbers around `current`, with ellipses for gaps."""
    last = paginator.page_count
    shown = sorted({1, last, *range(max(1, current - window), min(last, current + window) + 1)})
    labels: list[str] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            labels.append("…")
        labels.append(f"[{number}]" if number == current else str(number))
        previous = number
    return labels
