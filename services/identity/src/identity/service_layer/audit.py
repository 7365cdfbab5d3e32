"""Who changed what about a client, when, with the before-image: the audit rows identity
writes with each change (the client itself and its team; an agency's own team) and those it is told of (its leads'
do-not-contact marks, service_layer/audited_elsewhere.py), newest first, a page at a time."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from identity.adapters import audit_log
from identity.domain.roles import Permission
from identity.service_layer.access import require, require_in_agency
from revgen_common.pagination import decode_keyset, next_cursor


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
        rows = await audit_log.client_page(db, str(client), before_id, limit + 1)
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
