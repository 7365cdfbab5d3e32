"""An inbound SMS and its answer within seconds: recorded once per MessageSid, a carrier keyword
confirmed (carrier_keywords.py), else the assistant's answer queued once per MessageSid, so a
redelivered webhook never texts twice (E7). The lead is recorded by the intake (lead_intake.py);
missed calls and forms: speed_to_lead.py."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging.adapters import messages, number_owners, opt_outs
from messaging.domain.compliance import PLATFORM
from messaging.domain.keywords import Keyword, asks_for_a_person, keyword_of
from messaging.domain.phones import phone_or_raw
from messaging.service_layer.answer_drafts import AnswerDrafts, Draft
from messaging.service_layer.carrier_keywords import CarrierKeywords
from messaging.service_layer.lead_intake import Lead, LeadIntake
from messaging.service_layer.sends import Outgoing, enqueue
from messaging.service_layer.service_states import ServiceStates
from revgen_common.clock import Clock
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.messaging import EscalationRequested, MessageReceived
from revgen_common.contracts.webhooks import TwilioMessageReceived
from revgen_common.db import reading
from revgen_common.phones import InvalidPhone, normalize
from revgen_common.unit_of_work import Transaction

HISTORY = 10
HOLDING_REPLY = "Thanks for your message! Someone from {business} will get back to you shortly."


class Conversations:
    def __init__(self, engine: AsyncEngine, drafts: AnswerDrafts, platform_number: str, clock: Clock,
                 service: ServiceStates, intake: LeadIntake, keywords: CarrierKeywords):
        self.engine = engine
        self.drafts = drafts
        self.platform_number = platform_number
        self.clock = clock
        self.service = service
        self.intake = intake
        self.keywords = keywords

    async def draft_reply(self, sms: Delivered[TwilioMessageReceived]) -> Draft | None:
        """Ask the assistant before the batch's transaction (the consumer's prepare step), so
        the messages of a batch wait on it together and no transaction stays open meanwhile.
        None when no answer looks needed; `message_received` decides again and asks itself
        if it must. A NotYet when the next try must wait and still fits the deadline."""
        raw: dict[str, Any] = sms.body.raw  # Twilio's parameters, verbatim
        body = raw.get("Body", "")
        if keyword_of(body) not in (None, Keyword.OPT_IN) or asks_for_a_person(body):
            return None
        try:
            phone = normalize(raw["From"])
        except InvalidPhone:
            return None
        async with reading(self.engine) as db:
            found = await number_owners.draft_context(db, raw["To"], phone, raw["MessageSid"])
            if (found is None or found.seen or found.do_not_contact or found.opted_out
                    or not self.service.served(found.service_status, found.service_since)):
                return None
            history = await messages.history(db, found.lead_id, HISTORY) if found.lead_id else []
        return await self.drafts.ask(found.client_id, found.persona, found.knowledge, history + [("lead", body)],
                                     sms.occurred_at)

    async def message_received(self, sms: Delivered[TwilioMessageReceived], ctx: HandlerContext,
                               draft: Draft | None = None) -> None:
        raw: dict[str, Any] = sms.body.raw
        db = ctx.connection
        client = await number_owners.owner_for_sms(db, raw["To"], phone_or_raw(raw["From"]))
        if client is None:
            if raw["To"] == self.platform_number:
                await self.keywords.handle(ctx, PLATFORM, raw, None, "RevGen",
                                           await opt_outs.opted_out(db, PLATFORM, raw["From"]))
            return
        lead = await self.intake.lead(ctx, client.client_id, raw["From"], "sms", client_number=raw["To"], inbound=True)
        if lead is None:
            return
        if not await messages.record_inbound(db, client.client_id, lead.id, raw.get("Body", ""), raw["MessageSid"],
                                             raw["To"], self.clock()):
            return  # the same MessageSid again
        ctx.publish(MessageReceived(client_id=client.client_id, lead_id=str(lead.id), lead_phone=lead.phone,
                                    message_sid=raw["MessageSid"]))
        if await self.keywords.handle(ctx, client.client_id, raw, lead, client.business_name, client.opted_out):
            return
        if lead.do_not_contact or client.opted_out or not self.service.served(client.service_status, client.service_since):
            return  # recorded, and not answered
        await self._answer(ctx, client, lead, raw, draft, sms.occurred_at)

    async def _answer(self, uow: Transaction, client, lead: Lead, raw: dict, draft: Draft | None,
                      received_at: datetime) -> None:
        body, business = raw.get("Body", ""), client.business_name or "our team"
        if asks_for_a_person(body):
            draft = Draft(None, "the lead asked for a person")
        elif draft is None:  # not drafted before the transaction: ask now
            draft = await self.drafts.ask(client.client_id, client.persona, client.knowledge,  # rare: it changed since
                                          await messages.history(uow.connection, lead.id, HISTORY), received_at,
                                          patient=False)
        reply = draft.text
        if draft.handoff is not None:
            _escalate(uow, client.client_id, lead, raw["MessageSid"], draft.handoff)
            reply = reply or HOLDING_REPLY.format(business=business)
        assert reply is not None  # a draft without text always hands off
        await enqueue(uow, [Outgoing(f"reply:{raw['MessageSid']}", lead.phone, raw["To"], reply, "reply",
                                     client.client_id, lead.id)])


def _escalate(uow: Transaction, client_id: str, lead: Lead, message_sid: str, reason: str) -> None:
    uow.publish(EscalationRequested(request_id=f"sms:{message_sid}", client_id=client_id, lead_phone=lead.phone,
                                    lead_name=lead.name, reason=reason))
