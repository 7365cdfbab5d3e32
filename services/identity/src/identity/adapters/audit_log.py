"""The audit log's one writer: who (the actor), what (action, entity, its id), the before- and
after-images, and when (now, unless the change happened elsewhere earlier); and its pages,
newest first: a client's and an agency's (its own team's changes)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_RECORD = text("""INSERT INTO audit_log (actor_id, action, entity, entity_id, before, after, at)
                  VALUES (:actor, :action, :entity, :id, CAST(:before AS jsonb), CAST(:after AS jsonb),
                          COALESCE(CAST(:at AS timestamptz), now()))""")
# A client's rows: the client itself, its team's memberships and its leads' marks (`<client>/...`).
_CLIENT_AUDIT = text("""
    SELECT a.id, a.at, a.action, a.entity, a.entity_id, a.before, a.after, a.actor_id, p.name AS actor_name
    FROM audit_log a LEFT JOIN people p ON p.id = a.actor_id
    WHERE ((a.entity = 'client' AND a.entity_id = :client)
           OR (a.entity IN ('client_membership', 'lead') AND a.entity_id LIKE :client || '/%'))
      AND (CAST(:before_id AS bigint) IS NULL OR a.id < :before_id)
    ORDER BY a.id DESC LIMIT :limit""")


async def record(db: AsyncConnection, actor: uuid.UUID | None, action: str, entity: str, entity_id: Any,
                 before: dict | None = None, after: dict | None = None, at: datetime | None = None) -> None:
    await db.execute(_RECORD, {"actor": actor, "action": action, "entity": entity, "id": str(entity_id),
                               "before": json.dumps(before, default=str) if before else None,
                               "after": json.dumps(after, default=str) if after else None, "at": at})


# Keyset pages by row id, newest first: the agency itself and its own team's memberships.
_AGENCY_PAGE = text("""
    SELECT a.id, a.at, a.action, a.entity, a.entity_id, a.before, a.after, a.actor_id, p.name AS actor_name
    FROM audit_log a LEFT JOIN people p ON p.id = a.actor_id
    WHERE ((a.entity = 'agency' AND a.entity_id = :agency)
           OR (a.entity = 'agency_membership' AND a.entity_id LIKE :agency || '/%'))
      AND (CAST(:before_id AS bigint) IS NULL OR a.id < :before_id)
    ORDER BY a.id DESC LIMIT :limit""")


async def client_page(db: AsyncConnection, client: str, before_id: int | None, limit: int) -> list[Row[Any]]:
    """Up to `limit` of the client's rows older than `before_id`, newest first, with the actor's name."""
    return list((await db.execute(_CLIENT_AUDIT, {"client": client, "before_id": before_id, "limit": limit})).all())


async def agency_page(db: AsyncConnection, agency: uuid.UUID, before_id: int | None, limit: int) -> list[Row[Any]]:
    """Up to `limit` of the agency's rows older than `before_id`, newest first, with the actor's name."""
    return list((await db.execute(_AGENCY_PAGE, {"agency": str(agency), "before_id": before_id, "limit": limit})).all())
