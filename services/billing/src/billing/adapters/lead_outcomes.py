"""Messaging's lead outcomes as billing keeps them: what the retention offer's numbers come from (B6)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

# The newest decision wins, whatever order they arrive in.
_RECORD = text("""
    INSERT INTO lead_outcomes (client_id, lead_id, outcome, job_value_cents, decided_at)
    VALUES (:c, :l, :o, :v, :t)
    ON CONFLICT (client_id, lead_id) DO UPDATE SET outcome = EXCLUDED.outcome,
        job_value_cents = EXCLUDED.job_value_cents, decided_at = EXCLUDED.decided_at
    WHERE lead_outcomes.decided_at <= EXCLUDED.decided_at""")
_FIGURES = text("""
    SELECT count(*) FILTER (WHERE outcome IN ('won', 'lost')) AS decided,
           count(*) FILTER (WHERE outcome = 'won') AS won,
           count(*) FILTER (WHERE outcome = 'won' AND job_value_cents IS NOT NULL) AS won_with_value,
           coalesce(sum(job_value_cents) FILTER (WHERE outcome = 'won'), 0) AS won_value
    FROM lead_outcomes WHERE client_id = :c""")


async def record(db: AsyncConnection, client_id: str, lead_id: str, outcome: str, job_value_cents: int | None,
                 decided_at: datetime) -> None:
    await db.execute(_RECORD, {"c": client_id, "l": lead_id, "o": outcome, "v": job_value_cents, "t": decided_at})


async def figures(db: AsyncConnection, client_id: str) -> Row[Any]:
    """Leads decided, won, won with a job value, and the value won (one row, zeros for none)."""
    return (await db.execute(_FIGURES, {"c": client_id})).one()
