"""One-time codes, the attempt windows that cap guessing, and sessions: every race of a login
is settled by one statement here (D4)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_PERSON = text("SELECT id FROM people WHERE phone = :identifier OR email = :identifier")
_LOCK = text("SELECT pg_advisory_xact_lock(:lock)")
_SENT_SINCE = text("""SELECT
    (SELECT count(*) FROM otp_codes WHERE created_at > :global_since) AS everyone,
    (SELECT count(*) FROM otp_codes WHERE identifier = :identifier AND created_at > :mine_since) AS mine""")
_NEW_CODE = text("""
    INSERT INTO otp_codes (id, identifier, login_attempt_id, code_hash, requested_from, created_at, expires_at,
                           max_attempts)
    VALUES (:id, :identifier, :attempt, :hash, :ip, :now, :expires, :max_attempts)""")
_COUNT_ATTEMPT = text("""
    INSERT INTO otp_attempt_windows AS w (identifier, hour, attempts) VALUES (:identifier, :hour, 1)
    ON CONFLICT (identifier, hour) DO UPDATE SET attempts = w.attempts + 1 WHERE w.attempts < :cap
    RETURNING attempts""")
# THE verification: counts the attempt and consumes the code in one statement, so two
# concurrent correct answers cannot both win and wrong ones cannot pass the cap (D4).
_VERIFY = text("""
    UPDATE otp_codes SET attempts = attempts + 1,
                         verified_at = CASE WHEN code_hash = :hash THEN :now END
    WHERE login_attempt_id = :attempt AND identifier = :identifier
      AND verified_at IS NULL AND attempts < max_attempts AND expires_at > :now
    RETURNING id, verified_at IS NOT NULL AS correct""")
_NEW_SESSION = text("""
    INSERT INTO sessions (id, token_hash, person_id, otp_code_id, created_at, expires_at)
    VALUES (:id, :token_hash, :person, :code, :now, :expires)""")
_SESSION = text("""SELECT id, person_id, expires_at FROM sessions
                   WHERE token_hash = :token_hash AND revoked_at IS NULL AND expires_at > :now""")
_REVOKE = text("""UPDATE sessions SET revoked_at = :now WHERE token_hash = :h AND revoked_at IS NULL
                  RETURNING id, person_id""")


async def person_with(db: AsyncConnection, identifier: str) -> uuid.UUID | None:
    person: uuid.UUID | None = await db.scalar(_PERSON, {"identifier": identifier})
    return person


async def lock(db: AsyncConnection, key: int) -> None:
    """A transaction-scoped advisory lock on `key`."""
    await db.execute(_LOCK, {"lock": key})


async def codes_sent_since(db: AsyncConnection, identifier: str, global_since: datetime,
                           mine_since: datetime) -> Row[Any]:
    """How many codes went to anyone since `global_since` (`everyone`), and to `identifier` since `mine_since` (`mine`)."""
    return (await db.execute(_SENT_SINCE, {"identifier": identifier, "global_since": global_since,
                                           "mine_since": mine_since})).one()


async def add_code(db: AsyncConnection, *, identifier: str, attempt: uuid.UUID, code_hash: bytes,
                   requested_from: str | None, now: datetime, expires: datetime, max_attempts: int) -> None:
    await db.execute(_NEW_CODE, {"id": uuid.uuid4(), "identifier": identifier, "attempt": attempt, "hash": code_hash,
                                 "ip": requested_from, "now": now, "expires": expires, "max_attempts": max_attempts})


async def count_attempt(db: AsyncConnection, identifier: str, hour: datetime, cap: int) -> int | None:
    """The hour's attempts counting this one; None when the cap was already reached."""
    counted: int | None = await db.scalar(_COUNT_ATTEMPT, {"identifier": identifier, "hour": hour, "cap": cap})
    return counted


async def verify(db: AsyncConnection, identifier: str, attempt: uuid.UUID, code_hash: bytes,
                 now: datetime) -> Row[Any] | None:
    return (await db.execute(_VERIFY, {"hash": code_hash, "now": now, "attempt": attempt,
                                       "identifier": identifier})).first()


async def add_session(db: AsyncConnection, token_hash: bytes, person: uuid.UUID | None, code: uuid.UUID,
                      now: datetime, expires: datetime) -> None:
    await db.execute(_NEW_SESSION, {"id": uuid.uuid4(), "token_hash": token_hash, "person": person, "code": code,
                                    "now": now, "expires": expires})


async def live_session(db: AsyncConnection, token_hash: bytes, now: datetime) -> Row[Any] | None:
    return (await db.execute(_SESSION, {"token_hash": token_hash, "now": now})).first()


async def revoke(db: AsyncConnection, token_hash: bytes, now: datetime) -> Row[Any] | None:
    return (await db.execute(_REVOKE, {"now": now, "h": token_hash})).first()
