"""What people acting for a client ask about its leads (through the admin gateway, which has
authorized them): mark a lead do-not-contact or clear the mark (D7), ask the team to call a
lead back at a time, schedule a message by hand (follow-ups for chosen leads are an
automation: automations.py). Each is safe to repeat: the mark changes (and is announced)
once, a callback or a scheduled message is keyed by the caller's id for it. A lead who may
not be contacted gets no callback, no follow-up and no scheduled message; what was queued
before the mark is blocked at the send (domain/compliance.py)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import leads, scheduled_messages
from messaging.service_layer.lead_views import UnknownLead
from revgen_common.clock import Clock
from revgen_common.contracts.messaging import EscalationRequested, LeadDoNotContactChanged
from revgen_common.errors import Refused, Unprocessable
from revgen_common.unit_of_work import UnitOfWork


class OffLimits(Refused):
    """The lead opted out or is marked do-not-contact (409)."""


class LeadCommands:
    def __init__(self, engine: AsyncEngine, clock: Clock):
        self.engine = engine
        self.clock = clock

    async def set_do_not_contact(self, client_id: str, lead_id: uuid.UUID, value: bool, person_id: str) -> dict:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            if await leads.contact_facts(uow.connection, client_id, lead_id) is None:
                raise UnknownLead(f"no lead {lead_id} of client {client_id!r}")
            phone = await leads.mark_do_not_contact(uow.connection, client_id, lead_id, value)
            if phone is not None:
                uow.publish(LeadDoNotContactChanged(client_id=client_id, lead_id=str(lead_id), lead_phone=phone,
                                                    do_not_contact=value, changed_by=person_id,
                                                    changed_at=self.clock()))
            await uow.commit()
        return {"lead_id": str(lead_id), "do_not_contact": value, "changed": phone is not None}

    async def request_callback(self, client_id: str, lead_id: uuid.UUID, callback_id: str, due_at: datetime,
                               note: str) -> dict:
        """An escalation with a due time (escalation's, from EscalationRequested): the team
        is told now and whoever claims it calls at `due_at`."""
        self._not_past(due_at, "due_at")
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            lead = await self._contactable(uow, client_id, lead_id)
            # Asked again, it is announced again: escalation keeps one escalation per request id.
            uow.publish(EscalationRequested(request_id=f"callback:{client_id}:{lead_id}:{callback_id}",
                                            client_id=client_id, lead_phone=lead.phone, lead_name=lead.name,
                                            reason="call back" + (f": {note}" if note else ""), due_at=due_at))
            await uow.commit()
        return {"callback_id": callback_id, "due_at": due_at.isoformat(), "status": "requested"}

    async def schedule_message(self, client_id: str, lead_id: uuid.UUID, schedule_id: str, body: str,
                               due_at: datetime) -> dict:
        self._not_past(due_at, "due_at")
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            await self._contactable(uow, client_id, lead_id)
            await scheduled_messages.schedule_message(uow.connection, f"by-hand:{client_id}:{schedule_id}",
                                                      client_id, lead_id, body, due_at)
            await uow.commit()
        return {"schedule_id": schedule_id, "due_at": due_at.isoformat(), "status": "scheduled"}

    async def scheduled(self, client_id: str, lead_id: uuid.UUID) -> dict:
        async with self.engine.connect() as db:
            if await leads.contact_facts(db, client_id, lead_id) is None:
                raise UnknownLead(f"no lead {lead_id} of client {client_id!r}")
            return {"data": await scheduled_messages.pending_for_lead(db, client_id, lead_id)}

    async def _contactable(self, uow: UnitOfWork, client_id: str, lead_id: uuid.UUID):
        lead = await leads.contact_facts(uow.connection, client_id, lead_id)
        if lead is None:
            raise UnknownLead(f"no lead {lead_id} of client {client_id!r}")
        if lead.off_limits:
            raise OffLimits("the lead opted out or is marked do-not-contact: nobody may contact them")
        return lead

    def _not_past(self, when: datetime, field: str) -> None:
        if when < self.clock():
            raise Unprocessable(f"{field} is in the past")
