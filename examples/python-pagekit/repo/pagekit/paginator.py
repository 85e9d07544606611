"""Split a sequence into numbered pages (1-based, like most web UIs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

T = TypeVar("T")


class PageOutOfRange(IndexError):
    """Raised when a page number is below 1 or above the last page."""


@dataclass(frozen=True)
class Page(Generic[T]):
    number: int
    items: Sequence[T]
    has_previous: bool
    has_next: bool


class Paginator(Generic[T]):
    def __init__(self, items: Sequence[T], per_page: int = 20, allow_empty_first_page: bool = True) -> None:
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        self.items = items
        self.per_page = per_page
        self.allow_empty_first_page = allow_empty_first_page

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def page_count(self) -> int:
        """Total number of pages."""
        if self.count == 0:
            return 1 if self.allow_empty_first_page else 0
        return self.count // self.per_page

    def validate(self, number: int) -> int:
        if number < 1 or number > max(self.page_count, 1):
            raise PageOutOfRange(f"page {number} is out of range 1..{self.page_count}")
        return number

    def page(self, number: int) -> Page[T]:
        number = self.validate(number)
        start = (number - 1) * self.per_page
        return Page(
            number=number,
            items=self.items[start : start + self.per_page],
            has_previous=number > 1,
            has_next=number < self.page_count,
        )

    def __iter__(self):
        for number in range(1, self.page_count + 1):
            yield self.page(number)
