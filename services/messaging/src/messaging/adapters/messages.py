"""The conversations' messages, in and out (an outgoing one is written with Twilio's answer,
adapters/sends.py): each inbound one once per MessageSid."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_RECORD_INBOUND = text("""
    INSERT INTO messages (client_id, lead_id, direction, body, message_sid, client_number, created_at)
    VALUES (:c, :l, 'in', :b, :sid, :n, :now) ON CONFLICT (message_sid) DO NOTHING RETURNING id""")
_RECENT = text("""SELECT direction, body FROM messages WHERE lead_id = :l
                  ORDER BY id DESC LIMIT :n""")
_ON_NUMBER_SINCE = text("SELECT 1 FROM messages WHERE client_number = :n AND created_at > :since LIMIT 1")
# The thread in the order it happened (messages.id), newest first; an outbound message's
# state is its send's, which Twilio's callbacks keep moving forward.
_THREAD = text("""
    SELECT m.id, m.direction, m.body, m.created_at, s.status, s.error_code
    FROM messages m LEFT JOIN sends s ON s.id = m.send_id
    WHERE m.lead_id = :l AND (CAST(:before AS bigint) IS NULL OR m.id < :before)
    ORDER BY m.id DESC LIMIT :limit""")


async def record_inbound(db: AsyncConnection, client_id: str, lead_id: uuid.UUID, body: str, message_sid: str,
                         client_number: str, now: datetime) -> bool:
    """False when this MessageSid was recorded before."""
    return await db.scalar(_RECORD_INBOUND, {"c": client_id, "l": lead_id, "b": body, "sid": message_sid,
                                             "n": client_number, "now": now}) is not None


async def history(db: AsyncConnection, lead_id: uuid.UUID, limit: int) -> list[tuple[str, str]]:
    """A lead's last messages, oldest first, each the lead's or the business's."""
    rows = (await db.execute(_RECENT, {"l": lead_id, "n": limit})).all()
    return [("lead" if r.direction == "in" else "business", r.body) for r in reversed(rows)]


async def any_on_number_since(db: AsyncConnection, number: str, since: datetime) -> bool:
    return bool(await db.scalar(_ON_NUMBER_SINCE, {"n": number, "since": since}))


async def thread(db: AsyncConnection, lead_id: uuid.UUID, limit: int, before: int | None) -> list[Row[Any]]:
    """A page of a lead's messages, newest first, with each outbound one's delivery state."""
    return list((await db.execute(_THREAD, {"l": lead_id, "limit": limit, "before": before})).all())
