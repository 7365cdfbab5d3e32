"""The `email_sends` and `email_suppressions` tables: every statement e-mail runs."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# What a state may move to: forward only, so a late "delivered" never hides a bounce.
_RANK = """CASE {0} WHEN 'pending' THEN 0 WHEN 'claimed' THEN 1 WHEN 'sent' THEN 2 WHEN 'delivered' THEN 3
                    WHEN 'bounced' THEN 4 WHEN 'complained' THEN 4 ELSE 5 END"""


async def insert(db: AsyncConnection, *, source_key: str, client_id: str | None, to: str, subject: str, body: str,
                 purpose: str) -> uuid.UUID | None:
    """The new row's id, or None when one with this source was queued already."""
    return await db.scalar(text("""
        INSERT INTO email_sends (id, source_key, client_id, to_address, subject, body, purpose)
        VALUES (:id, :key, :client, :to, :subject, :body, :purpose)
        ON CONFLICT (source_key) DO NOTHING RETURNING id"""),
        {"id": uuid.uuid4(), "key": source_key, "client": client_id, "to": to, "subject": subject, "body": body,
         "purpose": purpose})


async def facts_for_update(db: AsyncConnection, send_id: uuid.UUID):
    """The row, locked, with whether its address is suppressed and its client's service state."""
    return (await db.execute(text("""
        SELECT e.id, e.status, e.client_id, e.to_address, e.subject, e.body, e.purpose,
               EXISTS (SELECT 1 FROM email_suppressions s WHERE s.address = e.to_address) AS suppressed,
               st.status AS service_status, st.since AS service_since
        FROM email_sends e LEFT JOIN service_states st ON st.client_id = e.client_id
        WHERE e.id = :id FOR UPDATE OF e"""), {"id": send_id})).first()


async def claim(db: AsyncConnection, send_id: uuid.UUID, now: datetime) -> None:
    await db.execute(text("UPDATE email_sends SET status = 'claimed', claimed_at = :now WHERE id = :id"),
                     {"now": now, "id": send_id})


async def finish(db: AsyncConnection, send_id: uuid.UUID, status: str, reason: str, error: str | None = None) -> None:
    await db.execute(text("UPDATE email_sends SET status = :s, blocked_reason = :r, error = :e WHERE id = :id"),
                     {"s": status, "r": reason, "e": error, "id": send_id})


async def record_sent(db: AsyncConnection, send_id: uuid.UUID, resend_id: str) -> bool:
    """False when the row was recorded already (a second run of the same send)."""
    done = await db.execute(text("""UPDATE email_sends SET status = 'sent', resend_id = :rid
                                    WHERE id = :id AND status = 'claimed'"""), {"rid": resend_id, "id": send_id})
    return done.rowcount == 1


async def advance(db: AsyncConnection, resend_id: str, status: str) -> None:
    await db.execute(text(f"""UPDATE email_sends SET status = :s
                              WHERE resend_id = :rid AND {_RANK.format('status')} < {_RANK.format('CAST(:s AS text)')}"""),
                     {"s": status, "rid": resend_id})


async def suppress(db: AsyncConnection, address: str, reason: str, email_id: str | None, at: datetime) -> bool:
    """True when the address was not suppressed before."""
    return await db.scalar(text("""
        INSERT INTO email_suppressions (address, reason, email_id, suppressed_at) VALUES (:a, :r, :e, :at)
        ON CONFLICT (address) DO NOTHING RETURNING true"""),
        {"a": address, "r": reason, "e": email_id, "at": at}) is not None
