"""What identity answers when asked whether a session may do something."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Unauthenticated(Exception):
    """No session, or one that expired or was revoked (identity decides)."""


class Outcome(Enum):
    ALLOWED = 200
    FORBIDDEN = 403  # can see the client, may not do this
    NOT_FOUND = 404  # cannot see it at all


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    person_id: str
    session_expires_at: datetime
