"""What the admin UI reads: a client's escalations newest first (the open queue, or all), and
what a claim link is about, shown before anyone claims (a GET never claims: phones' link
previews fetch it too)."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalation.service_layer.escalations import UnknownLink
from revgen_common.pagination import decode_keyset, next_cursor

OPEN = ("pending", "claimed")
_QUEUE = text("""
    SELECT e.id, e.lead_phone, e.lead_name, e.reason, e.status, e.claimed_by, m.name AS owner_name, e.claimed_at,
           e.due_at, e.created_at
    FROM escalations e LEFT JOIN team_members m ON m.client_id = e.client_id AND m.person_id = e.claimed_by
    WHERE e.client_id = :client AND (CAST(:open_only AS boolean) IS FALSE OR e.status IN ('pending', 'claimed'))
      AND (CAST(:after_at AS timestamptz) IS NULL OR (e.created_at, e.id) < (:after_at, CAST(:after_id AS uuid)))
    ORDER BY e.created_at DESC, e.id DESC LIMIT :limit""")
_LINK = text("""
    SELECT e.id, e.client_id, e.lead_name, e.lead_phone, e.reason, e.status, e.claimed_by, l.person_id,
           m.name AS owner_name
    FROM claim_links l JOIN escalations e ON e.id = l.escalation_id
    LEFT JOIN team_members m ON m.client_id = e.client_id AND m.person_id = e.claimed_by
    WHERE l.token_hash = :h""")


def _plain(row) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else str(v) if k == "id" else v)
            for k, v in row._asdict().items()}


class QueueViews:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    async def queue(self, client_id: str, open_only: bool, limit: int, cursor: str | None) -> dict:
        after_at, after_id = decode_keyset(cursor, datetime.fromisoformat, uuid.UUID)
        async with self.engine.connect() as db:
            rows = (await db.execute(_QUEUE, {
                "client": client_id, "open_only": open_only, "limit": limit + 1, "after_id": after_id,
                "after_at": after_at})).all()
        return {"data": [_plain(r) for r in rows[:limit]],
                "next": next_cursor(rows, limit, lambda r: (r.created_at.isoformat(), str(r.id)))}

    async def link(self, token: str) -> dict:
        """The escalation a link is for; the lead's number only to the one who has it."""
        async with self.engine.connect() as db:
            row = (await db.execute(_LINK, {"h": hashlib.sha256(token.encode()).digest()})).first()
        if row is None:
            raise UnknownLink()
        yours = row.claimed_by == row.person_id and row.status == "claimed"
        return {"escalation_id": str(row.id), "client_id": row.client_id, "lead_name": row.lead_name,
                "reason": row.reason, "status": row.status, "owner": row.owner_name, "yours": yours,
                "lead_phone": row.lead_phone if yours else None}
