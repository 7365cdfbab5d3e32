"""Clients' phone numbers: taken by one client at a time, released (B2) at once or, after a
recent conversation, once they have been quiet; and which of a client's numbers a message
goes out from."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_TAKE = text("""
    INSERT INTO numbers (number, client_id) VALUES (:n, :c)
    ON CONFLICT (number) DO UPDATE SET released_at = NULL, release_pending = false
    WHERE numbers.client_id = EXCLUDED.client_id
    RETURNING client_id""")
_RELEASE_LATER = text("UPDATE numbers SET release_pending = true WHERE number = :n")
_RELEASE = text("""UPDATE numbers SET released_at = :now, release_pending = false
                   WHERE number = :n AND released_at IS NULL RETURNING client_id""")
_PENDING_RELEASE = text("SELECT number FROM numbers WHERE release_pending FOR UPDATE SKIP LOCKED")
_ACTIVE = text("SELECT number FROM numbers WHERE client_id = :c AND released_at IS NULL")
_FIRST = text("SELECT number FROM numbers WHERE client_id = :c AND released_at IS NULL ORDER BY number LIMIT 1")
# The number the recipient already knows; else one picked by the recipient, so the same
# person always hears from the same number and carriers' per-number pace is spread over all
# of the client's numbers.
_FOR_RECIPIENT = text("""
    SELECT number FROM numbers WHERE client_id = :c AND released_at IS NULL
    ORDER BY (number = :known) DESC, md5(number || :to) LIMIT 1""")


async def take(db: AsyncConnection, number: str, client_id: str) -> bool:
    """False when the number belongs to another client."""
    return await db.scalar(_TAKE, {"n": number, "c": client_id}) is not None


async def release_later(db: AsyncConnection, number: str) -> None:
    await db.execute(_RELEASE_LATER, {"n": number})


async def release(db: AsyncConnection, number: str, now: datetime) -> str | None:
    """The client it was released from; None when it was not in use."""
    client: str | None = await db.scalar(_RELEASE, {"n": number, "now": now})
    return client


async def pending_release(db: AsyncConnection) -> list[str]:
    """Locked, skipping those another transaction holds."""
    return list((await db.execute(_PENDING_RELEASE)).scalars().all())


async def active(db: AsyncConnection, client_id: str) -> list[str]:
    return list((await db.execute(_ACTIVE, {"c": client_id})).scalars().all())


async def first(db: AsyncConnection, client_id: str) -> str | None:
    number: str | None = await db.scalar(_FIRST, {"c": client_id})
    return number


async def for_recipient(db: AsyncConnection, client_id: str, known: str | None, to: str) -> str | None:
    number: str | None = await db.scalar(_FOR_RECIPIENT, {"c": client_id, "known": known, "to": to})
    return number
