"""Leads reaching a client by a missed call or a web form, texted within seconds: each
handler runs once per event (the consumer's inbox) and each text is queued once per cause
(the send's source key), so a redelivered webhook never texts twice (E7). The lead itself
is recorded by the intake (lead_intake.py), as every path that meets one records it."""
from __future__ import annotations

import logging

from messaging.adapters import number_owners
from messaging.service_layer.lead_intake import Lead, LeadIntake
from messaging.service_layer.sends import Outgoing, enqueue
from messaging.service_layer.service_states import ServiceStates
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.webhooks import FormSubmitted
from revgen_common.unit_of_work import Transaction

log = logging.getLogger(__name__)
SPEED_TO_LEAD = "Hi{name}! Sorry we missed you at {business}. How can we help? Reply here and we'll get right on it."


class SpeedToLead:
    def __init__(self, intake: LeadIntake, service: ServiceStates):
        self.intake = intake
        self.service = service

    async def missed_call(self, uow: Transaction, client_number: str, caller: str, call_sid: str) -> None:
        """One speed-to-lead text per call, whichever path reports it missed (ingress's call
        status, or voice's CallEnded): the send is unique by `missed-call:<CallSid>`."""
        found = await self.intake.call_from(uow, client_number, caller)
        if found is not None and self.service.served(found[0].service_status, found[0].service_since):
            await self._speed_to_lead(uow, found[1], found[0].business_name, client_number, f"missed-call:{call_sid}")

    async def form_submitted(self, submitted: Delivered[FormSubmitted], ctx: HandlerContext) -> None:
        client_id, form = submitted.body.form_client_id, submitted.body.raw
        found = await number_owners.first_number_of(ctx.connection, client_id)
        if found is None or not form.get("phone"):
            log.warning("form for %s dropped: %s", client_id, "no number" if found is None else "no phone field")
            return
        lead = await self.intake.lead(ctx, client_id, str(form["phone"]), "form", name=form.get("name"),
                                      client_number=found.number)
        if lead is not None and self.service.served(found.service_status, found.service_since):
            await self._speed_to_lead(ctx, lead, found.business_name or "", found.number, f"form:{submitted.event_id}")

    async def _speed_to_lead(self, uow: Transaction, lead: Lead, business: str, number: str, source: str) -> None:
        body = SPEED_TO_LEAD.format(name=f" {lead.name}" if lead.name else "", business=business or "our team")
        await enqueue(uow, [Outgoing(source, lead.phone, number, body, "speed_to_lead", lead.client_id, lead.id)])
