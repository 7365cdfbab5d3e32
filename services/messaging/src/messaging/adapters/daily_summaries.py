"""Which (client, day) summaries were sent: the row commits with the summary's message, so a
day is summarized once however often the job runs (E14)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_CLAIM = text("""INSERT INTO daily_summaries (client_id, day) VALUES (:c, :d)
                 ON CONFLICT DO NOTHING RETURNING day""")


async def claim(db: AsyncConnection, client_id: str, day: date) -> bool:
    """False when another run took this day."""
    return await db.scalar(_CLAIM, {"c": client_id, "d": day}) is not None
