"""Win-back, no-show and follow-up runs over many leads (S1): the leads are read in one
query, the messages queued in one statement, the outbox written in one more — a run costs
a handful of queries however many leads, and sending is left to the paced gateway."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import lead_store
from messaging.service_layer.sends import PLATFORM, Outgoing, enqueue
from revgen_common.clock import Clock
from revgen_common.unit_of_work import UnitOfWork


# Everything a run needs about its leads, in ONE query: opted-out and do-not-contact leads
# are left out here, and the gateway checks again at send time.
_WIN_BACK_LEADS = text("""
    SELECT l.id, l.phone, l.name, n.number, p.business_name
    FROM leads l JOIN profiles p ON p.client_id = l.client_id AND p.deleted_at IS NULL
    JOIN LATERAL (SELECT number FROM numbers WHERE client_id = l.client_id AND released_at IS NULL
                  -- the number the lead knows, else one of the client's numbers per lead: carriers
                  -- pace each number, so a large run is spread over all of them
                  ORDER BY (number = l.client_number) DESC, md5(number || l.id::text) LIMIT 1) n ON true
    WHERE l.client_id = :client AND l.status = ANY(:statuses) AND NOT l.do_not_contact
      AND COALESCE(l.last_inbound_at, l.created_at) < :inactive_since
      AND (CAST(:lead_ids AS uuid[]) IS NULL OR l.id = ANY(CAST(:lead_ids AS uuid[])))
      AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.scope IN (l.client_id, :platform) AND o.phone = l.phone)
    ORDER BY l.id""")


class Automations:
    def __init__(self, engine: AsyncEngine, clock: Clock):
        self.engine = engine
        self.clock = clock

    async def win_back(self, client_id: str, run_id: str, template: str, inactive_days: int = 90) -> int:
        """Text every lost or stale lead once per run (the run id is part of each send's key)."""
        return await self._run(client_id, run_id, "win_back", template, ["lost", "open"],
                               self.clock() - timedelta(days=inactive_days), None)

    async def no_show(self, client_id: str, run_id: str, template: str, lead_ids: list[str]) -> int:
        return await self._run(client_id, run_id, "no_show", template, ["open", "won", "lost"], self.clock(),
                               [uuid.UUID(i) for i in lead_ids])

    async def schedule_follow_ups(self, client_id: str, run_id: str, template: str, lead_ids: list[str],
                                  due_at: datetime) -> lead_store.FollowUps:
        """"Trigger follow-ups for these leads": scheduled rows, claimed later by the scheduler;
        leads who opted out or are marked do-not-contact are refused (adapters/lead_store.py)."""
        async with UnitOfWork(self.engine, SERVICE) as uow:
            done = await lead_store.schedule_follow_ups(uow.connection, client_id, f"follow-up:{run_id}", template,
                                                        [uuid.UUID(i) for i in lead_ids], due_at)
            await uow.commit()
        return done

    async def _run(self, client_id: str, run_id: str, purpose: str, template: str, statuses: list[str],
                   inactive_since: datetime, lead_ids: list[uuid.UUID] | None) -> int:
        async with UnitOfWork(self.engine, SERVICE) as uow:
            leads = (await uow.connection.execute(_WIN_BACK_LEADS, {
                "client": client_id, "statuses": statuses, "inactive_since": inactive_since, "lead_ids": lead_ids,
                "platform": PLATFORM})).all()
            queued = await enqueue(uow, [
                Outgoing(f"{purpose}:{run_id}:{lead.id}", lead.phone, lead.number,
                         template.format(name=lead.name or "there", business=lead.business_name or "us"), purpose,
                         client_id, lead.id) for lead in leads])
            await uow.commit()
        return queued
