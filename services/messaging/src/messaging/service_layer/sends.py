"""Every outbound message: enqueued once (unique by what caused it), then sent by ONE gateway.

`enqueue` writes a `sends` row and a `SendRequested` message to `messaging.sends` in the
caller's transaction. The sender consumes that topic: compliance decides, the send is
claimed (committed) before Twilio is called, and Twilio's answer is recorded in a
transaction of its own, so the sends of one batch go out together (a `Staged` handler).
Twilio's throttling or outage becomes a TransientError — the consumer pauses the partition
and the backlog waits in Kafka, as lag, until Twilio recovers (E3, E10). A send whose
outcome is unknown is looked up at Twilio before any new attempt: never a blind resend.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import usage
from messaging.adapters.twilio_sender import Accepted, RecipientUnsubscribed, SendOutcomeUnknown, SendRejected, TwilioSender
from messaging.domain.compliance import PLATFORM, Facts, decide
from messaging.domain.phones import timezone_of
from messaging.service_layer import consent
from messaging.service_layer.service_states import ServiceStates
from revgen_common.clock import Clock, local_month
from revgen_common.contracts import contract_for
from revgen_common.contracts.messaging import SendOutcome, SendRequested
from revgen_common.envelope import Envelope
from revgen_common.errors import NotYet, TransientError
from revgen_common.unit_of_work import Transaction, UnitOfWork



@dataclass(frozen=True)
class Outgoing:
    source_key: str  # what caused it: a CallSid, a MessageSid, a command id, a schedule id
    to: str
    from_: str
    body: str
    purpose: str
    client_id: str | None = None
    lead_id: uuid.UUID | None = None


_ENQUEUE = text("""
    INSERT INTO sends (id, source_key, client_id, lead_id, to_number, from_number, body, purpose, status)
    SELECT id, source_key, client_id, lead_id, to_number, from_number, body, purpose, 'pending'
    FROM unnest(CAST(:ids AS uuid[]), CAST(:keys AS text[]), CAST(:clients AS text[]), CAST(:leads AS uuid[]),
                CAST(:tos AS text[]), CAST(:froms AS text[]), CAST(:bodies AS text[]), CAST(:purposes AS text[]))
         AS o(id, source_key, client_id, lead_id, to_number, from_number, body, purpose)
    ON CONFLICT (source_key) DO NOTHING
    RETURNING id, to_number, from_number""")


async def enqueue(uow: Transaction, messages: Iterable[Outgoing]) -> int:
    """Queue messages in the caller's transaction, in one statement however many; the ones
    already queued (same source) are skipped. Returns how many were new."""
    batch = list(messages)
    if not batch:
        return 0
    rows = (await uow.connection.execute(_ENQUEUE, {
        "ids": [uuid.uuid4() for _ in batch], "keys": [m.source_key for m in batch],
        "clients": [m.client_id for m in batch], "leads": [m.lead_id for m in batch],
        "tos": [m.to for m in batch], "froms": [m.from_ for m in batch], "bodies": [m.body for m in batch],
        "purposes": [m.purpose for m in batch]})).all()
    for row in rows:
        request_send(uow, row.id, row.to_number, row.from_number)
    return len(rows)


def request_send(uow: Transaction, send_id: uuid.UUID, to: str, from_: str) -> None:
    # `from` lets the sender check its pacing before it touches the database.
    uow.publish(SendRequested(send_id=send_id, to=to, from_=from_))


_FACTS = text("""
    SELECT s.id, s.status, s.client_id, s.lead_id, s.to_number, s.from_number, s.body, s.purpose, s.claimed_at,
           EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = s.to_number
                   AND o.scope = COALESCE(s.client_id, :platform)) AS opted_out,
           COALESCE(l.do_not_contact, false) AS do_not_contact,
           COALESCE(p.timezone, 'America/New_York') AS timezone,
           COALESCE(p.quiet_start, TIME '21:00') AS quiet_start, COALESCE(p.quiet_end, TIME '08:00') AS quiet_end,
           p.monthly_limit, p.deleted_at IS NOT NULL AS client_deleted,
           st.status AS service_status, st.since AS service_since
    FROM sends s LEFT JOIN leads l ON l.id = s.lead_id LEFT JOIN profiles p ON p.client_id = s.client_id
    LEFT JOIN service_states st ON st.client_id = s.client_id
    WHERE s.id = :id FOR UPDATE OF s""")
# D7 and D9: the month is part of the key, and the limit is checked in the same statement,
# which claims the send only if the month had room. The month is the client's own: a New
# York client's December starts at 05:00 UTC.
_RESERVE_AND_CLAIM = text("""
    WITH reserved AS (
        INSERT INTO usage (client_id, month, sent) VALUES (:client, :month, 1)
        ON CONFLICT (client_id, month) DO UPDATE SET sent = usage.sent + 1 WHERE usage.sent < :limit
        RETURNING sent)
    UPDATE sends SET status = 'claimed', claimed_at = :now, usage_month = :month
    WHERE id = :id AND EXISTS (SELECT 1 FROM reserved)
    RETURNING id""")
_CLAIM = text("UPDATE sends SET status = 'claimed', claimed_at = :now, usage_month = NULL WHERE id = :id")
# Twilio's answer: the send's sid and status (a delivery status that came first wins), the
# conversation's outgoing message, and the lead answered by its first one (the daily figures
# count these), in one round trip.
_RECORD = text("""
    WITH sent AS (
        UPDATE sends SET twilio_sid = :sid,
            status = CASE WHEN delivery_rank(COALESCE(d.status, 'queued')) > delivery_rank('queued')
                          THEN d.status ELSE 'queued' END,
            error_code = d.error_code
        FROM (SELECT CAST(:sid AS text) AS sid) AS x LEFT JOIN delivery_statuses d ON d.twilio_sid = x.sid
        WHERE sends.id = :id
        RETURNING sends.id),
    conversation AS (
        INSERT INTO messages (client_id, lead_id, direction, body, client_number, send_id, created_at)
        SELECT CAST(:client AS text), CAST(:lead AS uuid), 'out', CAST(:body AS text), CAST(:number AS text),
               CAST(:id AS uuid), CAST(:now AS timestamptz)
        WHERE CAST(:lead AS uuid) IS NOT NULL),
    answered AS (
        UPDATE leads SET answered_at = :now WHERE id = CAST(:lead AS uuid) AND answered_at IS NULL)
    SELECT count(*) FROM sent""")
LEAD_FACING = frozenset({"reply", "speed_to_lead", "reminder", "follow_up", "win_back", "no_show", "other"})


class Sender:
    def __init__(self, engine: AsyncEngine, twilio: TwilioSender, clock: Clock, service: ServiceStates):
        self.engine = engine
        self.twilio = twilio
        self.clock = clock
        self.service = service

    async def send(self, message: Envelope) -> None:
        """One `SendRequested`, in transactions of its own: safe to run again at any point,
        and alongside the other sends of its batch."""
        send_id = message.payload["send_id"]  # its ticket: a send that must wait keeps its turn
        if message.payload.get("from"):
            self.twilio.check_pace(message.payload["from"], send_id)
        claim = await self._claim(uuid.UUID(send_id))
        if claim is None:
            return  # already sent, blocked, deferred or canceled: a redelivery changes nothing
        row, reconcile = claim
        accepted = await self._find_earlier_attempt(row) if reconcile else None
        if accepted is None:
            accepted = await self._call_twilio(row, send_id)
        if accepted is not None:
            async with UnitOfWork(self.engine, SERVICE) as uow:
                await self._record(uow, row, accepted)
                await uow.commit()

    async def _claim(self, send_id: uuid.UUID):
        """Decide and claim in a transaction of its own, committed BEFORE Twilio is called,
        so that a crash after the call leaves evidence that it may have happened."""
        now = self.clock()
        async with UnitOfWork(self.engine, SERVICE) as claim:
            db = claim.connection
            row: Any = (await db.execute(_FACTS, {"id": send_id, "platform": PLATFORM})).first()
            if row is None or row.status not in ("pending", "claimed"):
                return None
            row = SimpleNamespace(**row._asdict())
            if row.status == "claimed":
                return row, True
            if row.client_deleted and row.purpose in LEAD_FACING:
                await self._finish(claim, row, "canceled", reason="client_deleted")
                return None
            decision = decide(Facts(row.purpose, row.opted_out, row.do_not_contact,
                                    timezone_of(row.to_number, row.timezone), row.quiet_start, row.quiet_end,
                                    suspended=not self.service.served(row.service_status, row.service_since)), now)
            if decision.defer_until is not None:
                await db.execute(text("UPDATE sends SET status = 'deferred', not_before = :t WHERE id = :id"),
                                 {"t": decision.defer_until, "id": row.id})
                await claim.commit()
                return None
            if not decision.allowed:
                assert decision.blocked_reason is not None  # a refusal always names its reason
                await self._finish(claim, row, "blocked", reason=decision.blocked_reason)
                return None
            if row.client_id and row.purpose in LEAD_FACING and row.monthly_limit is not None:
                if await db.scalar(_RESERVE_AND_CLAIM, {"client": row.client_id, "month": local_month(now, row.timezone),
                                                        "limit": row.monthly_limit, "now": now, "id": row.id}) is None:
                    await self._finish(claim, row, "blocked", reason="monthly_limit")
                    return None
            else:
                await db.execute(_CLAIM, {"now": now, "id": row.id})
            await claim.commit()
        row.claimed_at = now
        return row, False

    async def _find_earlier_attempt(self, row) -> Accepted | None:
        found = await self.twilio.find_sent(to=row.to_number, from_=row.from_number, body=row.body,
                                            since=row.claimed_at)
        # Until the sender's settle time has passed, a send Twilio does not list may still
        # land; after it, one it does not list was never accepted and is safe to try again.
        settled = row.claimed_at + self.twilio.settle_after
        if found is None and self.clock() < settled:
            wait = (settled - self.clock()).total_seconds()
            raise NotYet("an earlier attempt may still land at Twilio; looking again later", retry_after=wait)
        return found

    async def _call_twilio(self, row, ticket: str) -> Accepted | None:
        """Twilio's answer, or None when it refused for good (recorded here)."""
        try:
            return await self.twilio.send(to=row.to_number, from_=row.from_number, body=row.body, ticket=ticket)
        except SendOutcomeUnknown:
            raise  # stays claimed: the next attempt looks at Twilio first
        except RecipientUnsubscribed as refused:
            await self._give_up(row, "blocked", "carrier_opt_out", refused.code, opt_out=True)
        except SendRejected as refused:
            await self._give_up(row, "failed", "rejected", refused.code)
        except TransientError:
            await self._release(row)  # nothing reached Twilio (throttled, paced, down): back to pending
            raise
        return None

    async def _record(self, uow: Transaction, row, accepted: Accepted) -> None:
        await uow.connection.execute(_RECORD, {
            "sid": accepted.sid, "id": row.id, "client": row.client_id, "lead": row.lead_id, "body": row.body,
            "number": row.from_number, "now": self.clock()})
        _outcome(uow, "MessageSent", row, twilio_sid=accepted.sid)

    async def _finish(self, uow: UnitOfWork, row, status: str, reason: str) -> None:
        await uow.connection.execute(text("UPDATE sends SET status = :s, blocked_reason = :r WHERE id = :id"),
                                     {"s": status, "r": reason, "id": row.id})
        _outcome(uow, "MessageBlocked" if status == "blocked" else "MessageCanceled", row, reason=reason)
        await uow.commit()

    async def _give_up(self, row, status: str, reason: str, code: int, opt_out: bool = False) -> None:
        async with UnitOfWork(self.engine, SERVICE) as uow:
            await usage.give_back(uow.connection, row.id)
            await uow.connection.execute(text("UPDATE sends SET error_code = :code WHERE id = :id"),
                                         {"code": code, "id": row.id})
            if opt_out:  # Twilio knows of a STOP we never saw: remember it for every path, and say so
                await consent.opt_out(uow, row.client_id or PLATFORM, row.to_number, "carrier", self.clock())
            await self._finish(uow, row, status, reason)

    async def _release(self, row) -> None:
        async with UnitOfWork(self.engine, SERVICE) as uow:
            await usage.give_back(uow.connection, row.id)
            await uow.connection.execute(text("""UPDATE sends SET status = 'pending', claimed_at = NULL, usage_month = NULL
                                                 WHERE id = :id AND status = 'claimed'"""), {"id": row.id})
            await uow.commit()


def _outcome(uow: Transaction, type: str, row, **extra) -> None:
    uow.publish(contract_for(type, SendOutcome)(send_id=str(row.id), client_id=row.client_id, to=row.to_number,
                                                purpose=row.purpose, **extra))
