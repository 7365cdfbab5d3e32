"""Scheduled messages and deferred sends coming due. Each is claimed by ONE statement
(`UPDATE … WHERE status = 'pending' AND due … FOR UPDATE SKIP LOCKED RETURNING`) committed
with the sends it queues, so any number of schedulers send each message once (E8)."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import scheduled_messages, sends
from messaging.service_layer.sends import Outgoing, enqueue, request_send
from revgen_common.clock import Clock
from revgen_common.unit_of_work import UnitOfWork


class Scheduler:
    def __init__(self, engine: AsyncEngine, clock: Clock, batch: int = 500):
        self.engine = engine
        self.clock = clock
        self.batch = batch

    async def run_once(self) -> int:
        """Queue what is due now; returns how many messages it took."""
        now = self.clock()
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            due = await scheduled_messages.claim_due(uow.connection, now, self.batch)
            await enqueue(uow, [Outgoing(f"scheduled:{m.id}", m.phone, m.number, m.body, m.purpose, m.client_id,
                                         m.lead_id) for m in due])
            deferred = await sends.release_due_deferred(uow.connection, now, self.batch)
            for send in deferred:
                request_send(uow, send.id, send.to_number, send.from_number)
            await uow.commit()
        return len(due) + len(deferred)
