"""The ONE gateway every outbound message passes (queued by sends.py): it consumes
`messaging.sends`; compliance decides, the send is claimed (committed) before Twilio is
called, and Twilio's answer is recorded in a transaction of its own, so the sends of one
batch go out together. Twilio's throttling or outage becomes a TransientError — the consumer
pauses the partition and the backlog waits in Kafka, as lag, until Twilio recovers (E3, E10).
A send whose outcome is unknown is looked up at Twilio before any new attempt: never a blind
resend."""
from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import sends, usage
from messaging.adapters.twilio_sender import Accepted, RecipientUnsubscribed, SendOutcomeUnknown, SendRejected, TwilioSender
from messaging.domain.compliance import PLATFORM, Facts, decide
from messaging.domain.phones import timezone_of
from messaging.service_layer import consent
from messaging.service_layer.service_states import ServiceStates
from revgen_common.clock import Clock, local_month
from revgen_common.consumer import Delivered
from revgen_common.contracts import contract_for
from revgen_common.contracts.messaging import SendOutcome, SendRequested
from revgen_common.errors import NotYet, TransientError
from revgen_common.unit_of_work import Transaction, UnitOfWork

LEAD_FACING = frozenset({"reply", "speed_to_lead", "reminder", "follow_up", "win_back", "no_show", "other"})


class Sender:
    def __init__(self, engine: AsyncEngine, twilio: TwilioSender, clock: Clock, service: ServiceStates):
        self.engine = engine
        self.twilio = twilio
        self.clock = clock
        self.service = service

    async def send(self, request: Delivered[SendRequested]) -> None:
        """One `SendRequested`, in transactions of its own: safe to run again at any point,
        and alongside the other sends of its batch."""
        send_id = str(request.body.send_id)  # its ticket: a send that must wait keeps its turn
        if request.body.from_:
            self.twilio.check_pace(request.body.from_, send_id)
        claim = await self._claim(request.body.send_id)
        if claim is None:
            return  # already sent, blocked, deferred or canceled: a redelivery changes nothing
        row, reconcile = claim
        accepted = await self._find_earlier_attempt(row) if reconcile else None
        if accepted is None:
            accepted = await self._call_twilio(row, send_id)
        if accepted is not None:
            async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
                await self._record(uow, row, accepted)
                await uow.commit()

    async def _claim(self, send_id: uuid.UUID):
        """Decide and claim in a transaction of its own, committed BEFORE Twilio is called,
        so that a crash after the call leaves evidence that it may have happened."""
        now = self.clock()
        async with UnitOfWork(self.engine, SERVICE, self.clock) as claim:
            db = claim.connection
            row: Any = await sends.facts_for_update(db, send_id, PLATFORM)
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
                await sends.defer(db, row.id, decision.defer_until)
                await claim.commit()
                return None
            if not decision.allowed:
                assert decision.blocked_reason is not None  # a refusal always names its reason
                await self._finish(claim, row, "blocked", reason=decision.blocked_reason)
                return None
            if row.client_id and row.purpose in LEAD_FACING and row.monthly_limit is not None:
                if not await sends.reserve_and_claim(db, row.id, row.client_id, local_month(now, row.timezone),
                                                     row.monthly_limit, now):
                    await self._finish(claim, row, "blocked", reason="monthly_limit")
                    return None
            else:
                await sends.claim(db, row.id, now)
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
        await sends.record_accepted(uow.connection, row.id, accepted.sid, row.client_id, row.lead_id, row.body,
                                    row.from_number, self.clock())
        _outcome(uow, "MessageSent", row, twilio_sid=accepted.sid)

    async def _finish(self, uow: UnitOfWork, row, status: str, reason: str) -> None:
        await sends.finish(uow.connection, row.id, status, reason)
        _outcome(uow, "MessageBlocked" if status == "blocked" else "MessageCanceled", row, reason=reason)
        await uow.commit()

    async def _give_up(self, row, status: str, reason: str, code: int, opt_out: bool = False) -> None:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            await usage.give_back(uow.connection, row.id)
            await sends.set_error_code(uow.connection, row.id, code)
            if opt_out:  # Twilio knows of a STOP we never saw: remember it for every path, and say so
                await consent.opt_out(uow, row.client_id or PLATFORM, row.to_number, "carrier", self.clock())
            await self._finish(uow, row, status, reason)

    async def _release(self, row) -> None:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            await usage.give_back(uow.connection, row.id)
            await sends.release(uow.connection, row.id)
            await uow.commit()


def _outcome(uow: Transaction, type: str, row, **extra) -> None:
    uow.publish(contract_for(type, SendOutcome)(send_id=str(row.id), client_id=row.client_id, to=row.to_number,
                                                purpose=row.purpose, **extra))
