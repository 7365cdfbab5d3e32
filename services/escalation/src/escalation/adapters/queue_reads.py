"""What the admin UI reads of the escalations: a client's, newest first, and what a claim
link is about."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

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


async def queue_page(db: AsyncConnection, client_id: str, open_only: bool, limit: int,
                     after_at: datetime | None, after_id: uuid.UUID | None) -> list[Row[Any]]:
    """Up to `limit` escalations older than the keyset (`after_at`, `after_id`), newest first."""
    return list((await db.execute(_QUEUE, {"client": client_id, "open_only": open_only, "limit": limit,
                                           "after_id": after_id, "after_at": after_at})).all())


async def link_view(db: AsyncConnection, token_hash: bytes) -> Row[Any] | None:
    return (await db.execute(_LINK, {"h": token_hash})).first()
