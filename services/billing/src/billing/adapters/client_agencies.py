"""Which agency each client belongs to, as identity announced it (ClientCreated): billing's
only knowledge of agencies, for the agency-wide lists (account_queries.agency_disputes)."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_RECORD = text("INSERT INTO client_agencies (client_id, agency_id) VALUES (:client, :agency) ON CONFLICT DO NOTHING")


async def record(db: AsyncConnection, client_id: str, agency_id: str) -> None:
    await db.execute(_RECORD, {"client": client_id, "agency": agency_id})
