"""The daily summary to each client's owner: exactly once per (client, day), however often
the job runs and wherever it crashed (E14) — the summary row, the message and the day's
figures commit together, one client per transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from messaging.service_layer.sends import Outgoing, enqueue
from revgen_common.unit_of_work import UnitOfWork

BODY = ("RevGen daily summary for {day}: {new_leads} new leads, {inbound} messages in, {outbound} out, "
        "{answered} leads answered{latency}.")


class Summaries:
    def __init__(self, engine: AsyncEngine, platform_number: str):
        self.engine = engine
        self.platform_number = platform_number

    async def run(self, day: date) -> int:
        async with self.engine.connect() as db:
            clients = (await db.execute(text("""
                SELECT p.client_id FROM profiles p
                WHERE p.owner_phone IS NOT NULL AND p.deleted_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM daily_summaries s WHERE s.client_id = p.client_id AND s.day = :day)
                ORDER BY p.client_id"""), {"day": day})).scalars().all()
        sent = 0
        for client_id in clients:
            sent += await self._summarize(client_id, day)
        return sent

    async def _summarize(self, client_id: str, day: date) -> int:
        async with UnitOfWork(self.engine) as uow:
            db = uow.connection
            if await db.scalar(text("""INSERT INTO daily_summaries (client_id, day) VALUES (:c, :d)
                                       ON CONFLICT DO NOTHING RETURNING day"""), {"c": client_id, "d": day}) is None:
                return 0  # another run did this one
            owner = await db.scalar(text("SELECT owner_phone FROM profiles WHERE client_id = :c"), {"c": client_id})
            stats = (await db.execute(text("""
                SELECT COALESCE(sum(inbound), 0) AS inbound, COALESCE(sum(outbound), 0) AS outbound,
                       COALESCE(sum(new_leads), 0) AS new_leads, COALESCE(sum(leads_answered), 0) AS answered,
                       COALESCE(sum(reply_seconds_total), 0) AS seconds
                FROM daily_stats WHERE client_id = :c AND day = :d"""), {"c": client_id, "d": day})).first()
            latency = f", first reply in {stats.seconds / stats.answered:.0f} s on average" if stats.answered else ""
            body = BODY.format(day=day.isoformat(), new_leads=stats.new_leads, inbound=stats.inbound,
                               outbound=stats.outbound, answered=stats.answered, latency=latency)
            await enqueue(uow, [Outgoing(f"summary:{client_id}:{day.isoformat()}", owner, self.platform_number, body,
                                         "other", None, None)])
            await uow.commit()
        return 1
