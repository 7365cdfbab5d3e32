"""Who changed what about a client, when, with the before-image: the audit rows identity
writes with each change (the client itself and its team; an agency's own team) and those it is told of (its leads'
do-not-contact marks, service_layer/audited_elsewhere.py), newest first, a page at a time."""
from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from identity.adapters import audit_log
from identity.domain.roles import Permission
from identity.service_layer.access import require, require_in_agency
from revgen_common.pagination import decode_keyset, next_cursor

_CLIENT_AUDIT = text("""
    SELECT a.id, a.at, a.action, a.entity, a.entity_id, a.before, a.after, a.actor_id, p.name AS actor_name
    FROM audit_log a LEFT JOIN people p ON p.id = a.actor_id
    WHERE ((a.entity = 'client' AND a.entity_id = :client)
           OR (a.entity IN ('client_membership', 'lead') AND a.entity_id LIKE :client || '/%'))
      AND (CAST(:before_id AS bigint) IS NULL OR a.id < :before_id)
    ORDER BY a.id DESC LIMIT :limit""")


def _row_id(value: str) -> int:
    number = int(value)
    if not 0 < number < 2**63:
        raise ValueError("not an audit row")
    return number


async def client_audit(engine: AsyncEngine, actor: uuid.UUID, client: uuid.UUID, limit: int,
                       cursor: str | None) -> dict:
    (before_id,) = decode_keyset(cursor, _row_id)
    async with engine.connect() as db:
        await require(db, actor, Permission.CLIENT_UPDATE, client)
        rows = (await db.execute(_CLIENT_AUDIT, {"client": str(client), "before_id": before_id,
                                                 "limit": limit + 1})).all()
    return _page(rows, limit)


async def agency_audit(engine: AsyncEngine, actor: uuid.UUID, agency: uuid.UUID, limit: int,
                       cursor: str | None) -> dict:
    """Who changed the agency's own team, when, with the before-image (members:manage there)."""
    (before_id,) = decode_keyset(cursor, _row_id)
    async with engine.connect() as db:
        await require_in_agency(db, actor, Permission.MEMBERS_MANAGE, agency)
        rows = await audit_log.agency_page(db, agency, before_id, limit + 1)
    return _page(rows, limit)


def _page(rows, limit: int) -> dict:
    return {"data": [{"at": r.at.isoformat(), "action": r.action, "entity": r.entity, "entity_id": r.entity_id,
                      "actor_id": str(r.actor_id) if r.actor_id else None, "actor_name": r.actor_name,
                      "before": r.before, "after": r.after} for r in rows[:limit]],
            "next": next_cursor(rows, limit, lambda r: (str(r.id),))}
