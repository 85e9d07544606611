"""Text for the full-text index: identifiers, with camelCase split so `MatrixSymbol` also
matches `matrix symbol` (snake_case splits in the FTS tokenizer itself)."""

from __future__ import annotations

import re
from functools import lru_cache

_IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]{2,}")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


@lru_cache(maxsize=1 << 17)
def _expand(word: bytes) -> str:
    text = word.decode("ascii")
    if text.islower() or text.isupper():
        return text
    parts = _CAMEL.findall(text.replace("_", " "))
    return text if len(parts) < 2 else text + " " + " ".join(parts)


def identifier_terms(source: bytes) -> str:
    """Each distinct identifier (3+ characters) once, camelCase parts added; order kept."""
    seen = dict.fromkeys(_IDENT.findall(source))
    return " ".join(map(_expand, seen))


def name_terms(name: str) -> str:
    """A symbol name with its camelCase parts."""
    return _expand(name.encode("ascii", "ignore")) if name.isascii() else name
