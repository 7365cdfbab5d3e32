"""Cancellation requests: the retention offer made, and whether the client confirmed (B5)."""
from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_ADD = text("""INSERT INTO cancellation_requests (id, client_id, subscription_id, status, offer)
               VALUES (:id, :c, :s, 'offered', CAST(:offer AS jsonb))""")
_SUBSCRIPTION_OF = text("SELECT subscription_id FROM cancellation_requests WHERE id = CAST(:id AS uuid)")
_CONFIRM = text("UPDATE cancellation_requests SET status = 'confirmed' WHERE id = CAST(:id AS uuid)")


async def add(db: AsyncConnection, request_id: uuid.UUID, client_id: str, subscription_id: str,
              offer: dict[str, Any]) -> None:
    await db.execute(_ADD, {"id": request_id, "c": client_id, "s": subscription_id, "offer": json.dumps(offer)})


async def subscription_of(db: AsyncConnection, request_id: str) -> Row[Any] | None:
    return (await db.execute(_SUBSCRIPTION_OF, {"id": request_id})).first()


async def confirm(db: AsyncConnection, request_id: str) -> None:
    await db.execute(_CONFIRM, {"id": request_id})
