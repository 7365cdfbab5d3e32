"""An inbound SMS and its answer within seconds: recorded once per MessageSid, a carrier keyword
confirmed (carrier_keywords.py), else the assistant's answer queued once per MessageSid, so a
redelivered webhook never texts twice (E7). Missed calls and forms: speed_to_lead.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging.adapters import messages, number_owners, opt_outs
from messaging.adapters.ai_responder import AIResponder, AITimedOut, AIUnavailable, OverFairShare
from messaging.domain.compliance import PLATFORM
from messaging.domain.answer_deadline import AnswerDeadline
from messaging.domain.phones import phone_or_raw
from messaging.domain.keywords import Keyword, asks_for_a_person, keyword_of
from revgen_common.phones import InvalidPhone, normalize
from messaging.service_layer.carrier_keywords import handle_keyword
from messaging.service_layer.sends import Outgoing, enqueue
from messaging.service_layer.service_states import ServiceStates
from messaging.service_layer.speed_to_lead import Lead, SpeedToLead
from revgen_common.clock import Clock
from revgen_common.contracts.messaging import EscalationRequested, MessageReceived
from revgen_common.db import reading
from revgen_common.envelope import Envelope
from revgen_common.errors import NotYet
from revgen_common.unit_of_work import Transaction

HISTORY = 10
HOLDING_REPLY = "Thanks for your message! Someone from {business} will get back to you shortly."


@dataclass(frozen=True)
class Draft:
    """The assistant's answer to an inbound SMS; `handoff` says why a person must step in."""
    text: str | None
    handoff: str | None = None


class Conversations(SpeedToLead):
    def __init__(self, engine: AsyncEngine, ai: AIResponder, platform_number: str, clock: Clock,
                 service: ServiceStates, deadline: AnswerDeadline = AnswerDeadline()):
        super().__init__(clock, service)
        self.engine = engine
        self.ai = ai
        self.platform_number = platform_number
        self.deadline = deadline

    async def draft_reply(self, message: Envelope) -> Draft | None:
        """Ask the assistant before the batch's transaction (the consumer's prepare step), so
        the messages of a batch wait on it together and no transaction stays open meanwhile.
        None when no answer looks needed; `message_received` decides again and asks itself
        if it must. A NotYet when the next try must wait and still fits the deadline."""
        raw = message.payload["raw"]
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
        return await self._ask(found.client_id, found.persona, found.knowledge, history + [("lead", body)],
                               message.occurred_at)

    async def _ask(self, client_id: str, persona: str, knowledge: str, history: list[tuple[str, str]],
                   received_at: datetime, *, patient: bool = True) -> Draft:
        """Tries of the assistant within what is left of the message's deadline, each on a
        shorter timeout. A patient ask (before the transaction) waits for the client's fair
        share of the assistant, woken when a slot frees, and follows a try that timed out at
        once; a pause (a Retry-After, a fast failure) is a NotYet, the consumer's wait, as long
        as a try still fits after it. Once none does, the draft of the holding reply."""
        while True:
            left = self.deadline.left(received_at, self.clock())
            if self.deadline.timeout(left) is None:
                return Draft(None, f"no answer within {self.deadline.seconds:g}s of the message")
            try:
                async with self.ai.turn(client_id, wait=self.deadline.wait_for_a_try(left, left) if patient else 0.0):
                    left = self.deadline.left(received_at, self.clock())  # after waiting for the slot
                    timeout = self.deadline.timeout(left)
                    if timeout is None:
                        continue
                    answer = await self.ai.complete(client_id=client_id, persona=persona, knowledge=knowledge,
                                                    history=history, timeout=timeout)
            except OverFairShare as refused:
                if patient:  # it waited for a slot as long as a try could still fit after it
                    return Draft(None, f"the assistant was busy with other leads for {self.deadline.seconds:g}s")
                wait = self.deadline.wait_for_a_try(left, refused.retry_after)
                raise OverFairShare(str(refused), retry_after=wait) from refused
            except AIUnavailable as error:
                pause = self.deadline.pause(self.deadline.left(received_at, self.clock()), error.retry_after,
                                            timed_out=isinstance(error, AITimedOut))
                if pause is None:
                    return Draft(None, f"the assistant is unavailable ({error})")
                if pause > 0 or not patient:
                    raise NotYet(f"the assistant is unavailable ({error}); trying again in {pause:.1f}s",
                                 retry_after=pause) from error
                continue  # it timed out: the next try at once, on what is left
            if answer.handoff:
                return Draft(answer.text or None, "the assistant was not sure")
            return Draft(answer.text) if answer.text else Draft(None, "the assistant gave no answer")

    async def message_received(self, message: Envelope, uow: Transaction, draft: Draft | None = None) -> None:
        raw = message.payload["raw"]
        db = uow.connection
        client = await number_owners.owner_for_sms(db, raw["To"], phone_or_raw(raw["From"]))
        if client is None:
            if raw["To"] == self.platform_number:
                await handle_keyword(uow, self.clock, PLATFORM, raw, None, "RevGen",
                                     await opt_outs.opted_out(db, PLATFORM, raw["From"]))
            return
        lead = await self._lead(uow, client.client_id, raw["From"], "sms", client_number=raw["To"], inbound=True)
        if lead is None:
            return
        if not await messages.record_inbound(db, client.client_id, lead.id, raw.get("Body", ""), raw["MessageSid"],
                                             raw["To"], self.clock()):
            return  # the same MessageSid again
        uow.publish(MessageReceived(client_id=client.client_id, lead_id=str(lead.id), lead_phone=lead.phone,
                                    message_sid=raw["MessageSid"]))
        if await handle_keyword(uow, self.clock, client.client_id, raw, lead, client.business_name, client.opted_out):
            return
        if lead.do_not_contact or client.opted_out or not self.service.served(client.service_status, client.service_since):
            return  # recorded, and not answered
        await self._answer(uow, client, lead, raw, draft, message.occurred_at)

    async def _answer(self, uow: Transaction, client, lead: Lead, raw: dict, draft: Draft | None,
                      received_at: datetime) -> None:
        body, business = raw.get("Body", ""), client.business_name or "our team"
        if asks_for_a_person(body):
            draft = Draft(None, "the lead asked for a person")
        elif draft is None:  # not drafted before the transaction: ask now
            draft = await self._ask(client.client_id, client.persona, client.knowledge,  # rare: it changed since
                                    await messages.history(uow.connection, lead.id, HISTORY), received_at, patient=False)
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
