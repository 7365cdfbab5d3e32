"""One-time codes: 6 digits from a cryptographic source, stored only as a keyed hash bound
to the identifier and the login attempt that asked for it."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS_PER_CODE = 5
MAX_FAILURES_PER_IDENTIFIER_PER_HOUR = 10
SENDS_PER_IDENTIFIER = (3, timedelta(minutes=15))
SENDS_GLOBALLY = (100, timedelta(minutes=1))


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hash(pepper: bytes, identifier: str, login_attempt_id: uuid.UUID, code: str) -> bytes:
    message = f"{identifier}\x1f{login_attempt_id}\x1f{code}".encode()
    return hmac.new(pepper, message, hashlib.sha256).digest()


@dataclass(frozen=True)
class LoginAttempt:
    """What the caller gets back whatever happened: known or not, limited or not."""

    login_attempt_id: uuid.UUID
