"""Outbox rows Kafka refused for good (too large, an invalid topic), parked by the relay so
the rows behind them could go on. An operator retries them (once the cause is fixed: the
relay takes them up again and parks them again if Kafka still refuses) or drops them.
Both are single statements that touch only parked rows, so running them twice is harmless.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.db import OUTBOX_CHANNEL
from revgen_ops import audit


@dataclass(frozen=True)
class ParkedRow:
    id: int
    event_id: uuid.UUID
    topic: str
    key: str
    event_type: str | None
    size: int
    created_at: datetime
    parked_at: datetime
    reason: str


_LIST = text("""SELECT id, event_id, topic, key, value, created_at, parked_at, park_reason FROM outbox
                WHERE parked_at IS NOT NULL ORDER BY id""")
_RETRY = text("""UPDATE outbox SET parked_at = NULL, park_reason = NULL
                 WHERE parked_at IS NOT NULL AND id = ANY(CAST(:ids AS bigint[])) RETURNING id""")
_DROP = text("DELETE FROM outbox WHERE parked_at IS NOT NULL AND id = ANY(CAST(:ids AS bigint[])) RETURNING id")


async def parked(engine: AsyncEngine) -> list[ParkedRow]:
    async with engine.connect() as db:
        return [ParkedRow(r.id, r.event_id, r.topic, r.key, _type_of(r.value), len(r.value), r.created_at,
                          r.parked_at, r.park_reason or "") for r in await db.execute(_LIST)]


async def retry(engine: AsyncEngine, bootstrap_servers: str, service: str, ids: list[int], operator: str) -> list[int]:
    """Hand the rows back to the relay; returns the ids that were parked."""
    return await _change(engine, bootstrap_servers, service, ids, operator, "outbox-retry", _RETRY)


async def drop(engine: AsyncEngine, bootstrap_servers: str, service: str, ids: list[int], operator: str) -> list[int]:
    """Delete the rows for good: their messages will never be published."""
    return await _change(engine, bootstrap_servers, service, ids, operator, "outbox-drop", _DROP)


async def _change(engine, bootstrap_servers, service, ids, operator, action, statement) -> list[int]:
    if not ids:
        return []
    await audit.record(bootstrap_servers, action, service, operator, {"outbox_ids": sorted(ids)})
    async with engine.begin() as db:
        changed = sorted((await db.execute(statement, {"ids": ids})).scalars())
        await db.execute(text("SELECT pg_notify(:channel, '')"), {"channel": OUTBOX_CHANNEL})
    return changed


def _type_of(value: bytes) -> str | None:
    try:
        return json.loads(value).get("type")
    except (ValueError, AttributeError):
        return None
