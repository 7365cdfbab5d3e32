"""A client's figures over a period, counted from the facts themselves (messages and leads),
so they are exact whatever was replayed and no counter row is contended."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_FIGURES = text("""
    SELECT (SELECT count(*) FROM messages WHERE client_id = :c AND direction = 'in'
              AND created_at >= :start AND created_at < :end) AS inbound,
           (SELECT count(*) FROM messages WHERE client_id = :c AND direction = 'out'
              AND created_at >= :start AND created_at < :end) AS outbound,
           (SELECT count(*) FROM leads WHERE client_id = :c AND created_at >= :start AND created_at < :end) AS new_leads,
           answered.count AS answered, answered.seconds AS first_reply_seconds
    FROM (SELECT count(*) AS count, avg(EXTRACT(EPOCH FROM answered_at - created_at)) AS seconds FROM leads
          WHERE client_id = :c AND answered_at >= :start AND answered_at < :end) AS answered""")


@dataclass(frozen=True)
class Figures:
    inbound: int
    outbound: int
    new_leads: int
    answered: int
    first_reply_seconds: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def local_day(day: date, timezone: str) -> tuple[datetime, datetime]:
    """A client's day runs midnight to midnight where the client is."""
    start = datetime.combine(day, time(0), ZoneInfo(timezone))
    return start, datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(timezone))


async def figures(db: AsyncConnection, client_id: str, start: datetime, end: datetime) -> Figures:
    row = (await db.execute(_FIGURES, {"c": client_id, "start": start, "end": end})).one()
    seconds = float(row.first_reply_seconds) if row.first_reply_seconds is not None else None
    return Figures(row.inbound, row.outbound, row.new_leads, row.answered, seconds)
