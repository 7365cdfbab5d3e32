"""The audit log's one writer: who (the actor), what (action, entity, its id), the before- and
after-images, and when (now, unless the change happened elsewhere earlier)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_RECORD = text("""INSERT INTO audit_log (actor_id, action, entity, entity_id, before, after, at)
                  VALUES (:actor, :action, :entity, :id, CAST(:before AS jsonb), CAST(:after AS jsonb),
                          COALESCE(CAST(:at AS timestamptz), now()))""")


async def record(db: AsyncConnection, actor: uuid.UUID | None, action: str, entity: str, entity_id: Any,
                 before: dict | None = None, after: dict | None = None, at: datetime | None = None) -> None:
    await db.execute(_RECORD, {"actor": actor, "action": action, "entity": entity, "id": str(entity_id),
                               "before": json.dumps(before, default=str) if before else None,
                               "after": json.dumps(after, default=str) if after else None, "at": at})
