"""Leads reaching a client — a missed call, an SMS, a web form — and the answer they get in
seconds: each handler runs once per event (the consumer's inbox) and each answer is queued
once per cause (the send's source key), so a redelivered webhook never texts twice (E7)."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from messaging.adapters import leads, messages, opt_outs, scheduled_messages
from messaging.adapters.ai_responder import AIResponder, AITimedOut, AIUnavailable, OverFairShare
from messaging.domain.answer_deadline import AnswerDeadline
from messaging.domain.keywords import CONFIRMATIONS, Keyword, asks_for_a_person, keyword_of
from revgen_common.phones import InvalidPhone, normalize
from messaging.service_layer import consent
from messaging.service_layer.sends import PLATFORM, Outgoing, enqueue
from messaging.service_layer.service_states import ServiceStates
from revgen_common.clock import Clock
from revgen_common.contracts.messaging import EscalationRequested, MessageReceived
from revgen_common.db import reading
from revgen_common.envelope import Envelope
from revgen_common.errors import NotYet
from revgen_common.unit_of_work import Transaction

log = logging.getLogger(__name__)
MISSED_CALL = frozenset({"no-answer", "busy", "failed", "canceled"})
HISTORY = 10
SPEED_TO_LEAD = "Hi{name}! Sorry we missed you at {business}. How can we help? Reply here and we'll get right on it."
HOLDING_REPLY = "Thanks for your message! Someone from {business} will get back to you shortly."


@dataclass(frozen=True)
class Draft:
    """The assistant's answer to an inbound SMS; `handoff` says why a person must step in."""
    text: str | None
    handoff: str | None = None


@dataclass(frozen=True)
class Lead:
    id: uuid.UUID
    client_id: str
    phone: str
    name: str | None
    is_new: bool
    do_not_contact: bool


# Each read of a client says whether it is served (ADR 0012): a suspended client's leads are
# recorded, and neither answered nor texted first.
_SERVICE = "LEFT JOIN service_states st ON st.client_id = n.client_id"
_NUMBER = text(f"""SELECT n.client_id, p.business_name, p.persona, p.knowledge, st.status AS service_status,
                          st.since AS service_since
                   FROM numbers n JOIN profiles p ON p.client_id = n.client_id {_SERVICE}
                   WHERE n.number = :number AND n.released_at IS NULL AND p.deleted_at IS NULL""")
# An inbound SMS's client, and whether the sender opted out of it, in one round trip: keywords
# and answers both need it.
_INBOUND = text(f"""SELECT n.client_id, p.business_name, p.persona, p.knowledge, st.status AS service_status,
                           st.since AS service_since,
                           EXISTS (SELECT 1 FROM opt_outs o WHERE o.scope = n.client_id AND o.phone = :phone) AS opted_out
                    FROM numbers n JOIN profiles p ON p.client_id = n.client_id {_SERVICE}
                    WHERE n.number = :number AND n.released_at IS NULL AND p.deleted_at IS NULL""")
_CONVERSATION = text(f"""
    SELECT n.client_id, p.persona, p.knowledge, l.id AS lead_id, COALESCE(l.do_not_contact, false) AS do_not_contact,
           EXISTS (SELECT 1 FROM opt_outs o WHERE o.scope = n.client_id AND o.phone = :phone) AS opted_out,
           EXISTS (SELECT 1 FROM messages m WHERE m.message_sid = :sid) AS seen,
           st.status AS service_status, st.since AS service_since
    FROM numbers n JOIN profiles p ON p.client_id = n.client_id {_SERVICE}
    LEFT JOIN leads l ON l.client_id = n.client_id AND l.phone = :phone
    WHERE n.number = :number AND n.released_at IS NULL AND p.deleted_at IS NULL""")


class Conversations:
    def __init__(self, engine: AsyncEngine, ai: AIResponder, platform_number: str, clock: Clock,
                 service: ServiceStates, deadline: AnswerDeadline = AnswerDeadline()):
        self.engine = engine
        self.ai = ai
        self.platform_number = platform_number
        self.clock = clock
        self.service = service
        self.deadline = deadline

    # -- missed calls and forms: speed to lead ---------------------------------------------

    async def call_status(self, message: Envelope, uow: Transaction) -> None:
        raw = message.payload["raw"]
        status = raw.get("DialCallStatus") or raw.get("CallStatus")
        if status in MISSED_CALL:
            await self.missed_call(uow, raw["To"], raw["From"], raw["CallSid"])

    async def call_from(self, uow: Transaction, client_number: str, caller: str) -> tuple[Any, Lead] | None:
        """The client a number belongs to and the caller as its lead (recorded if new)."""
        client = (await uow.connection.execute(_NUMBER, {"number": client_number})).first()
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
        found = (await uow.connection.execute(text(f"""
            SELECT n.number, p.business_name, st.status AS service_status, st.since AS service_since
            FROM numbers n JOIN profiles p ON p.client_id = n.client_id {_SERVICE}
            WHERE n.client_id = :c AND n.released_at IS NULL AND p.deleted_at IS NULL ORDER BY n.number LIMIT 1"""),
            {"c": client_id})).first()
        number, business = (found.number, found.business_name) if found else (None, None)
        if number is None or not form.get("phone"):
            log.warning("form for %s dropped: %s", client_id, "no number" if number is None else "no phone field")
            return
        lead = await self._lead(uow, client_id, str(form["phone"]), "form", name=form.get("name"), client_number=number)
        if lead is not None and self.service.served(found.service_status, found.service_since):
            await self._speed_to_lead(uow, lead, business or "", number, f"form:{message.event_id}")

    async def _speed_to_lead(self, uow: Transaction, lead: Lead, business: str, number: str, source: str) -> None:
        body = SPEED_TO_LEAD.format(name=f" {lead.name}" if lead.name else "", business=business or "our team")
        await enqueue(uow, [Outgoing(source, lead.phone, number, body, "speed_to_lead", lead.client_id, lead.id)])

    # -- inbound SMS ---------------------------------------------------------------------------

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
            found = (await db.execute(_CONVERSATION, {"number": raw["To"], "phone": phone,
                                                      "sid": raw["MessageSid"]})).first()
            if (found is None or found.seen or found.do_not_contact or found.opted_out
                    or not self.service.served(found.service_status, found.service_since)):
                return None
            history = await _history(db, found.lead_id) if found.lead_id else []
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
        client = (await db.execute(_INBOUND, {"number": raw["To"], "phone": _phone_or_raw(raw["From"])})).first()
        if client is None:
            if raw["To"] == self.platform_number:
                await self._keyword(uow, PLATFORM, raw, None, "RevGen",
                                    await opt_outs.opted_out(db, PLATFORM, raw["From"]))
            return
        lead = await self._lead(uow, client.client_id, raw["From"], "sms", client_number=raw["To"], inbound=True)
        if lead is None:
            return
        if not await messages.record_inbound(db, client.client_id, lead.id, raw.get("Body", ""), raw["MessageSid"],
                                             raw["To"], self.clock()):
            return  # the same MessageSid again
        _received(uow, client.client_id, lead, raw["MessageSid"])
        if await self._keyword(uow, client.client_id, raw, lead, client.business_name, client.opted_out):
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
                                    await _history(uow.connection, lead.id), received_at, patient=False)
        reply = draft.text
        if draft.handoff is not None:
            _escalate(uow, client.client_id, lead, raw["MessageSid"], draft.handoff)
            reply = reply or HOLDING_REPLY.format(business=business)
        assert reply is not None  # a draft without text always hands off
        await enqueue(uow, [Outgoing(f"reply:{raw['MessageSid']}", lead.phone, raw["To"], reply, "reply",
                                     client.client_id, lead.id)])

    async def _keyword(self, uow: Transaction, scope: str, raw: dict, lead: Lead | None, business: str,
                       opted_out: bool) -> bool:
        """Records and confirms a carrier keyword; False when the message is not one (then it is answered)."""
        keyword = keyword_of(raw.get("Body", ""))
        phone = lead.phone if lead else raw["From"]
        if keyword is None or (keyword is Keyword.OPT_IN and not opted_out):
            return False  # "yes" to a question is an answer, not a re-subscription
        db = uow.connection
        if keyword is Keyword.OPT_OUT:
            if not await consent.opt_out(uow, scope, phone, "message", self.clock(), raw["MessageSid"]):
                return True  # confirmed the first time; one confirmation and nothing more (FCC 24-18)
            if lead is not None:
                await scheduled_messages.cancel_pending_for_lead(db, lead.id)
        elif keyword is Keyword.OPT_IN:
            await consent.opt_in(uow, scope, phone, self.clock(), raw["MessageSid"])
        purpose = "compliance" if keyword is Keyword.OPT_OUT else "reply"
        await enqueue(uow, [Outgoing(f"keyword:{raw['MessageSid']}", phone, raw["To"],
                                     CONFIRMATIONS[keyword].format(business=business or "us"), purpose,
                                     None if scope == PLATFORM else scope, lead.id if lead else None)])
        return True

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


def _phone_or_raw(raw_phone: str) -> str:
    """The E.164 form opt-outs are kept under; an invalid number is left as it is (no lead is
    made of it)."""
    try:
        return normalize(raw_phone)
    except InvalidPhone:
        return raw_phone


async def _history(db: AsyncConnection, lead_id: uuid.UUID) -> list[tuple[str, str]]:
    rows = await messages.recent(db, lead_id, HISTORY)
    return [("lead" if r.direction == "in" else "business", r.body) for r in reversed(rows)]


def _received(uow: Transaction, client_id: str, lead: Lead, message_sid: str) -> None:
    uow.publish(MessageReceived(client_id=client_id, lead_id=str(lead.id), lead_phone=lead.phone,
                                message_sid=message_sid))


def _escalate(uow: Transaction, client_id: str, lead: Lead, message_sid: str, reason: str) -> None:
    uow.publish(EscalationRequested(request_id=f"sms:{message_sid}", client_id=client_id, lead_phone=lead.phone,
                                    lead_name=lead.name, reason=reason))
