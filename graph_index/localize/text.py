"""Tokenization shared by every lexical signal: identifiers split, lower-cased, lightly stemmed."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z]|[0-9]|$)|[A-Z]?[a-z]+|[0-9]+|[A-Z]+")

STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "else", "few", "for", "from", "further", "get", "got", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "also", "may", "might", "must", "shall", "us", "use", "used", "using", "like", "want", "way", "one", "two", "see", "seems", "seem", "still", "get", "gets", "thing", "things", "example", "expected", "actual", "behavior", "behaviour", "issue", "problem", "bug", "error", "work", "works", "working", "dont", "doesnt", "didnt", "isnt", "cant", "wont", "im", "ive", "self", "cls", "none", "true", "false", "return", "def", "class", "import", "pass", "lambda", "yield", "py", "assert", "raise", "try", "except", "finally", "elif", "del", "global", "nonlocal", "async", "await"]
)


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A deliberately small stemmer that maps a word's common variants to one key (not always a
    word): name, names, named, naming -> nam; class, classes -> class; print, printing -> print."""
    if len(word) < 4:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(("ss", "x", "z", "ch", "sh")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and len(word) >= 7:
        word = word[:-3]
        if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
            word = word[:-1]  # running -> run
    elif word.endswith("ed") and len(word) >= 6:
        word = word[:-2]
        if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
            word = word[:-1]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
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


def surface_forms(text: str) -> dict[str, str]:
    """Term -> the first word of `text` that produced it (to show evidence in the issue's words)."""
    out: dict[str, str] = {}
    for word in _WORD.findall(text):
        for term in _word_terms(word):
            out.setdefault(term, word.lower() if "_" not in term else term)
    return out


def tokenize(text: str) -> list[str]:
    """Terms for BM25: each identifier's parts (stemmed) plus the whole identifier when compound."""
    out: list[str] = []
    for word in _WORD.findall(text):
        out.extend(_word_terms(word))
    return out


def plain_tokenize(text: str) -> list[str]:
    """The baseline's tokenizer: lower-cased words, stop words dropped, no identifier splitting."""
    return [w for w in (m.lower() for m in _WORD.findall(text)) if w not in STOPWORDS and len(w) > 1]
