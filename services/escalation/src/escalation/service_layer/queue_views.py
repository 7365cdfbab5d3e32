"""What the admin UI reads: a client's escalations newest first (the open queue, or all), and
what a claim link is about, shown before anyone claims (a GET never claims: phones' link
previews fetch it too)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from escalation.adapters.queue_reads import link_view, queue_page
from escalation.service_layer.claims import UnknownLink
from revgen_common.pagination import decode_keyset, next_cursor
from revgen_common.tokens import token_hash

OPEN = ("pending", "claimed")


def _plain(row) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else str(v) if k == "id" else v)
            for k, v in row._asdict().items()}


class QueueViews:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    async def queue(self, client_id: str, open_only: bool, limit: int, cursor: str | None) -> dict:
        after_at, after_id = decode_keyset(cursor, datetime.fromisoformat, uuid.UUID)
        async with self.engine.connect() as db:
            rows = await queue_page(db, client_id, open_only, limit + 1, after_at, after_id)
        return {"data": [_plain(r) for r in rows[:limit]],
                "next": next_cursor(rows, limit, lambda r: (r.created_at.isoformat(), str(r.id)))}

    async def link(self, token: str) -> dict:
        """The escalation a link is for; the lead's number only to the one who has it."""
        async with self.engine.connect() as db:
            row = await link_view(db, token_hash(token))
        if row is None:
            raise UnknownLink()
        yours = row.claimed_by == row.person_id and row.status == "claimed"
        return {"escalation_id": str(row.id), "client_id": row.client_id, "lead_name": row.lead_name,
                "reason": row.reason, "status": row.status, "owner": row.owner_name, "yours": yours,
                "lead_phone": row.lead_phone if yours else None}
