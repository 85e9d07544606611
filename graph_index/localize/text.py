"""Tokenization shared by every lexical signal: identifiers split, lower-cased, lightly stemmed."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z]|[0-9]|$)|[A-Z]?[a-z]+|[0-9]+|[A-Z]+")

STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "else", "few", "for", "from", "further", "get", "got", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "also", "may", "might", "must", "shall", "us", "use", "used", "using", "like", "want", "way", "one", "two", "see", "seems", "seem", "still", "get", "gets", "thing", "things", "example", "expected", "actual", "behavior", "behaviour", "issue", "problem", "bug", "error", "work", "works", "working", "dont", "doesnt", "didnt", "isnt", "cant", "wont", "im", "ive", "self", "cls", "none", "true", "false", "return", "def", "class", "import", "pass", "lambda", "yield", "py"]
)


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A deliberately small suffix stripper: plural and verb endings, nothing clever."""
    if len(word) <= 4:
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: -len(suffix)] + keep
    return word


@lru_cache(maxsize=1 << 17)
def split_identifier(ident: str) -> tuple[str, ...]:
    """`_print_LatexFunction` -> ("print", "latex", "function")."""
    parts: list[str] = []
    for chunk in ident.split("_"):
        if chunk:
            parts.extend(m.lower() for m in _CAMEL.findall(chunk))
    return tuple(parts)


@lru_cache(maxsize=1 << 17)
def _word_terms(word: str) -> tuple[str, ...]:
    parts = split_identifier(word)
    terms = [stem(p) for p in parts if len(p) > 1 and p not in STOPWORDS]
    whole = word.strip("_").lower()
    if len(parts) > 1 and whole not in STOPWORDS:
        terms.append(whole)  # the whole identifier, so exact names outrank loose word overlap
    return tuple(terms)


def tokenize(text: str) -> list[str]:
    """Terms for BM25: each identifier's parts (stemmed) plus the whole identifier when compound."""
    out: list[str] = []
    for word in _WORD.findall(text):
        out.extend(_word_terms(word))
    return out


def plain_tokenize(text: str) -> list[str]:
    """The baseline's tokenizer: lower-cased words, stop words dropped, no identifier splitting."""
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in STOPWORDS and len(w) > 1]
