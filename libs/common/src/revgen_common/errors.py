"""Every handler failure is either transient (wait, then try the same message again) or
permanent (dead-letter it with the reason). Nothing is swallowed. A domain's refusals
(`Refused`, `NotFound`, `Unprocessable`) are permanent, and every API answers them with the
same status (api_errors.REFUSALS): the domain names what went wrong, not an HTTP code.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import asyncpg
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


class TransientError(Exception):
    """Try again later; `retry_after` (seconds) is a provider's own hint, e.g. Retry-After."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class NotYet(TransientError):
    """Nothing failed: our own pacing says this message waits `retry_after` seconds. The
    consumer tries it again exactly then, without counting a failed attempt, so a long queue
    behind a rate limit never grows into exponential backoff. Whoever raises it says when a
    turn is really free (the Pacer books turns), so waiters do not all come back at once."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message, retry_after=retry_after)


class PermanentError(Exception):
    """Retrying cannot help (bad data, a rule the message breaks): dead-letter it."""


class Refused(PermanentError):
    """A command breaks a rule; nothing was done (an API answers 409, api_errors)."""


class NotFound(Refused):
    """What a command names does not exist (404)."""


class Unprocessable(Refused):
    """A command contradicts itself, e.g. an idempotency key reused with other parameters (422)."""


class UndecodableMessage(PermanentError):
    pass


class InvalidPayload(PermanentError):
    """A message whose payload breaks the contract of its type."""


@dataclass(frozen=True)
class Verdict:
    transient: bool
    retry_after: float | None = None
    # Unexpected exceptions (bugs) are retried a few times, then dead-lettered so one
    # poison message cannot stall its partition for ever. Infrastructure outages are not.
    bounded: bool = False
    scheduled: bool = False  # NotYet: wait exactly retry_after, the attempt count unchanged


def classify(error: BaseException) -> Verdict:
    if isinstance(error, NotYet):
        return Verdict(transient=True, retry_after=error.retry_after, scheduled=True)
    if isinstance(error, TransientError):
        return Verdict(transient=True, retry_after=error.retry_after)
    if isinstance(error, (PermanentError, ValidationError, ValueError, KeyError, TypeError)) or _refused_data(error):
        return Verdict(transient=False)
    if isinstance(error, (OperationalError, InterfaceError, ConnectionError, TimeoutError, OSError)):
        return Verdict(transient=True)
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return Verdict(transient=True)
    return Verdict(transient=True, bounded=True)


def _refused_data(error: BaseException) -> bool:
    """The database refused the values themselves — SQLSTATE class 22 (a NUL in text, a
    number out of range) — or asyncpg could not encode one (a number where text belongs):
    the same message fails the same way every time. (SQLAlchemy reports the second as an
    InterfaceError, which would otherwise read as a lost connection and wait for ever.)"""
    if not isinstance(error, DBAPIError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None) or ""
    return sqlstate.startswith("22") or isinstance(getattr(error.orig, "__cause__", None), asyncpg.exceptions.DataError)


@dataclass(frozen=True)
class Backoff:
    initial: float = 0.2
    maximum: float = 30.0
    multiplier: float = 2.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Exponential with full jitter; a provider's Retry-After is a floor, never shortened."""
        ceiling = min(self.maximum, self.initial * self.multiplier ** max(0, attempt - 1))
        jittered = random.uniform(ceiling / 2, ceiling)
        return max(jittered, retry_after or 0.0)
