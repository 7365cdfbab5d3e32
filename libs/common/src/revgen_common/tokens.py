"""Secrets handed to people (session tokens, claim links) are stored only as their hash,
the same way everywhere: a leaked table cannot be replayed."""
from __future__ import annotations

import hashlib
import secrets


def new_token(random_bytes: int = 32) -> str:
    """A URL-safe token of `random_bytes` random bytes (a claim link in an SMS uses fewer)."""
    return secrets.token_urlsafe(random_bytes)


def token_hash(token: str) -> bytes:
    """SHA-256: the tokens are at least 192 random bits, so a fast hash is enough (nothing to guess)."""
    return hashlib.sha256(token.encode()).digest()
