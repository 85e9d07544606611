"""Webhook signatures: GitHub signs each delivery's raw body with HMAC-SHA256 of the App secret."""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum

_HEADER = re.compile(r"sha256=([0-9a-f]{64})")


class SignatureCheck(StrEnum):
    VALID = "valid"
    MISSING = "missing"
    MALFORMED = "malformed"
    MISMATCH = "mismatch"


def sign(body: bytes, secret: str) -> str:
    """The `X-Hub-Signature-256` value GitHub sends for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, header: str | None, secret: str) -> SignatureCheck:
    """Check a delivery against the secret; the comparison is constant-time."""
    if not header:
        return SignatureCheck.MISSING
    match = _HEADER.fullmatch(header.strip())
    if match is None:
        return SignatureCheck.MALFORMED
    # An empty secret would make every forged signature computable, so it never verifies.
    if not secret:
        return SignatureCheck.MISMATCH
    ok = hmac.compare_digest(sign(body, secret), "sha256=" + match.group(1))
    return SignatureCheck.VALID if ok else SignatureCheck.MISMATCH
