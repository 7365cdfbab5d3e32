"""Billing's facts about each client (one row per billing event) and the service state they
make (ADR 0012), with when the owner was told service stopped."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_RECORD_FACT = text("""INSERT INTO billing_facts (event_id, client_id, subscription_id, status, paused, occurred_at)
                       VALUES (:id, :c, :s, :status, :paused, :at) ON CONFLICT (event_id) DO NOTHING""")
_FACTS = text("SELECT subscription_id, status, paused, occurred_at FROM billing_facts WHERE client_id = :c")
_SET = text("""
    INSERT INTO service_states (client_id, status, reason, since) VALUES (:c, :status, :reason, :since)
    ON CONFLICT (client_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, since = EXCLUDED.since
    RETURNING told_suspended_at""")
_OVERDUE = text("""SELECT client_id, status, reason, since FROM service_states
                   WHERE status = 'past_due' AND told_suspended_at IS NULL AND since <= :ended
                   ORDER BY since LIMIT 500 FOR UPDATE SKIP LOCKED""")
_TOLD = text("UPDATE service_states SET told_suspended_at = :t WHERE client_id = :c")


async def record_fact(db: AsyncConnection, event_id: uuid.UUID, client_id: str, subscription_id: str,
                      status: str, paused: bool | None, occurred_at: datetime) -> None:
    """Once per billing event."""
    await db.execute(_RECORD_FACT, {"id": event_id, "c": client_id, "s": subscription_id, "status": status,
                                    "paused": paused, "at": occurred_at})


async def facts_of(db: AsyncConnection, client_id: str) -> list[Row[Any]]:
    return list((await db.execute(_FACTS, {"c": client_id})).all())


async def set_state(db: AsyncConnection, client_id: str, status: str, reason: str | None,
                    since: datetime | None) -> datetime | None:
    """When the owner was told service stopped (None: not told, or service resumed since)."""
    told: datetime | None = await db.scalar(_SET, {"c": client_id, "status": status, "reason": reason,
                                                   "since": since})
    return told


async def overdue(db: AsyncConnection, ended: datetime) -> list[Row[Any]]:
    """Past-due clients whose grace ended before `ended` and whose owner was not told; locked."""
    return list((await db.execute(_OVERDUE, {"ended": ended})).all())


async def set_told(db: AsyncConnection, client_id: str, told: datetime | None) -> None:
    await db.execute(_TOLD, {"t": told, "c": client_id})
