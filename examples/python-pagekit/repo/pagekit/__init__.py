"""Tiny pagination helpers for list views and APIs."""

from pagekit.paginator import Page, Paginator, PageOutOfRange
from pagekit.links import page_links

__all__ = ["Page", "Paginator", "PageOutOfRange", "page_links"]
__version__ = "0.3.1"
