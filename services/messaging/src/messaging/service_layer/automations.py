"""Win-back, no-show and follow-up runs over many leads (S1): the leads are read in one
query, the messages queued in one statement, the outbox written in one more — a run costs
a handful of queries however many leads, and sending is left to the paced gateway."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import leads, scheduled_messages
from messaging.domain.compliance import PLATFORM
from messaging.service_layer.sends import Outgoing, enqueue
from revgen_common.clock import Clock
from revgen_common.unit_of_work import UnitOfWork


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
                                  due_at: datetime) -> scheduled_messages.FollowUps:
        """"Trigger follow-ups for these leads": scheduled rows, claimed later by the scheduler;
        leads who opted out or are marked do-not-contact are refused (adapters/scheduled_messages.py)."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            done = await scheduled_messages.schedule_follow_ups(uow.connection, client_id, f"follow-up:{run_id}",
                                                                template, [uuid.UUID(i) for i in lead_ids], due_at)
            await uow.commit()
        return done

    async def _run(self, client_id: str, run_id: str, purpose: str, template: str, statuses: list[str],
                   inactive_since: datetime, lead_ids: list[uuid.UUID] | None) -> int:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            chosen = await leads.for_run(uow.connection, client_id, statuses, inactive_since, lead_ids, PLATFORM)
            queued = await enqueue(uow, [
                Outgoing(f"{purpose}:{run_id}:{lead.id}", lead.phone, lead.number,
                         template.format(name=lead.name or "there", business=lead.business_name or "us"), purpose,
                         client_id, lead.id) for lead in chosen])
            await uow.commit()
        return queued
