"""Leads reaching a client by a missed call or a web form, texted within seconds: each
handler runs once per event (the consumer's inbox) and each text is queued once per cause
(the send's source key), so a redelivered webhook never texts twice (E7). Every path that
meets a lead — these, an inbound SMS (conversations.py) — records it here, once per
(client, phone)."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from messaging.adapters import leads, number_owners
from messaging.service_layer.sends import Outgoing, enqueue
from messaging.service_layer.service_states import ServiceStates
from revgen_common.clock import Clock
from revgen_common.envelope import Envelope
from revgen_common.phones import InvalidPhone, normalize
from revgen_common.unit_of_work import Transaction

log = logging.getLogger(__name__)
MISSED_CALL = frozenset({"no-answer", "busy", "failed", "canceled"})
SPEED_TO_LEAD = "Hi{name}! Sorry we missed you at {business}. How can we help? Reply here and we'll get right on it."


@dataclass(frozen=True)
class Lead:
    id: uuid.UUID
    client_id: str
    phone: str
    name: str | None
    is_new: bool
    do_not_contact: bool


class SpeedToLead:
    def __init__(self, clock: Clock, service: ServiceStates):
        self.clock = clock
        self.service = service

    async def call_status(self, message: Envelope, uow: Transaction) -> None:
        raw = message.payload["raw"]
        status = raw.get("DialCallStatus") or raw.get("CallStatus")
        if status in MISSED_CALL:
            await self.missed_call(uow, raw["To"], raw["From"], raw["CallSid"])

    async def call_from(self, uow: Transaction, client_number: str, caller: str) -> tuple[Any, Lead] | None:
        """The client a number belongs to and the caller as its lead (recorded if new)."""
        client = await number_owners.owner_of(uow.connection, client_number)
        if client is None:
            return None
        lead = await self._lead(uow, client.client_id, caller, "call", client_number=client_number)
        return (client, lead) if lead is not None else None

    async def missed_call(self, uow: Transaction, client_number: str, caller: str, call_sid: str) -> None:
        """One speed-to-lead text per call, whichever path reports it missed (ingress's call
        status, or voice's CallEnded): the send is unique by `missed-call:<CallSid>`."""
        found = await self.call_from(uow, client_number, caller)
        if found is not None and self.service.served(found[0].service_status, found[0].service_since):
            await self._speed_to_lead(uow, found[1], found[0].business_name, client_number, f"missed-call:{call_sid}")

    async def form_submitted(self, message: Envelope, uow: Transaction) -> None:
        client_id, form = message.payload["form_client_id"], message.payload["raw"]
        found = await number_owners.first_number_of(uow.connection, client_id)
        if found is None or not form.get("phone"):
            log.warning("form for %s dropped: %s", client_id, "no number" if found is None else "no phone field")
            return
        lead = await self._lead(uow, client_id, str(form["phone"]), "form", name=form.get("name"),
                                client_number=found.number)
        if lead is not None and self.service.served(found.service_status, found.service_since):
            await self._speed_to_lead(uow, lead, found.business_name or "", found.number, f"form:{message.event_id}")

    async def _speed_to_lead(self, uow: Transaction, lead: Lead, business: str, number: str, source: str) -> None:
        body = SPEED_TO_LEAD.format(name=f" {lead.name}" if lead.name else "", business=business or "our team")
        await enqueue(uow, [Outgoing(source, lead.phone, number, body, "speed_to_lead", lead.client_id, lead.id)])

    async def _lead(self, uow: Transaction, client_id: str, raw_phone: str, source: str, *, name: str | None = None,
                    client_number: str | None = None, inbound: bool = False) -> Lead | None:
        try:
            phone = normalize(raw_phone)
        except InvalidPhone:
            log.warning("lead for %s ignored: %r is not a phone number", client_id, raw_phone)
            return None
        now = self.clock()
        row = await leads.record(uow.connection, client_id, phone, source, name=name, client_number=client_number,
                                 inbound_at=now if inbound else None, now=now)
        return Lead(row.id, client_id, phone, row.name, row.is_new, row.do_not_contact)
