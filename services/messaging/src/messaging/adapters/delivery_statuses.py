"""Twilio's delivery statuses per message sid, and the sends they move: a state only moves
forward (`delivery_rank`), whatever order or how often the callbacks arrive (E8)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

# Kept per sid even before our send knows its sid (a crash between Twilio's answer and our commit).
_RECORD = text("""
    INSERT INTO delivery_statuses (twilio_sid, status, error_code) VALUES (:sid, :s, :e)
    ON CONFLICT (twilio_sid) DO UPDATE SET status = EXCLUDED.status,
        error_code = COALESCE(EXCLUDED.error_code, delivery_statuses.error_code)
    WHERE delivery_rank(delivery_statuses.status) < delivery_rank(EXCLUDED.status)""")
_ADVANCE_SEND = text("""
    UPDATE sends SET status = :s, error_code = COALESCE(:e, error_code)
    WHERE twilio_sid = :sid AND delivery_rank(status) < delivery_rank(:s)
    RETURNING id, client_id, lead_id, to_number""")


async def record(db: AsyncConnection, twilio_sid: str, status: str, error_code: int | None) -> None:
    await db.execute(_RECORD, {"sid": twilio_sid, "s": status, "e": error_code})


async def advance_send(db: AsyncConnection, twilio_sid: str, status: str, error_code: int | None) -> Row[Any] | None:
    """The send the status moved forward; None when it knew better already (or no send has the sid yet)."""
    return (await db.execute(_ADVANCE_SEND, {"sid": twilio_sid, "s": status, "e": error_code})).first()
