"""Escalations: created once per request (or per answered call), then re-notified and
escalated on a timer until someone claims them (service_layer.claims). Every race is settled
by one SQL statement (adapters.escalations); every message goes out through the outbox
with the state change (service_layer.notices)."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from escalation import SERVICE
from escalation.adapters import contact_bans, escalations, team
from escalation.domain.steps import OWNER_ROLES, Step
from escalation.service_layer.notices import notify, outcome, tell_team_who_won
from revgen_common.clock import Clock
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts import escalation as events
from revgen_common.contracts import messaging, voice
from revgen_common.unit_of_work import UnitOfWork


class Escalations:
    def __init__(self, engine: AsyncEngine, claim_base_url: str, unclaimed_after: timedelta, clock: Clock):
        self.engine = engine
        self.claim_base_url = claim_base_url.rstrip("/")
        self.unclaimed_after = unclaimed_after
        self.clock = clock

    # -- requests (consumer handler) ---------------------------------------------------

    async def request(self, event: Delivered[messaging.EscalationRequested], ctx: HandlerContext) -> None:
        p = event.body
        db = ctx.connection
        if await team.is_deleted(db, p.client_id):
            return  # a deleted client's leads are not escalated to anyone
        if await contact_bans.off_limits(db, p.client_id, p.lead_phone):
            return  # the lead asked not to be contacted (or is marked so): nobody is sent to contact them
        now = self.clock()
        escalation = await escalations.create(
            db, id=uuid.uuid4(), request_id=p.request_id, client_id=p.client_id, lead_phone=p.lead_phone,
            lead_name=p.lead_name, reason=p.reason, next_step_at=max(now, p.due_at or now) + self.unclaimed_after,
            due_at=p.due_at, now=now)
        if escalation is None:
            return  # the same request again (a new event id for it): one escalation
        row = {"id": escalation, "client_id": p.client_id, "request_id": p.request_id,
               "lead_phone": p.lead_phone, "lead_name": p.lead_name, "reason": p.reason}
        await notify(ctx, row, None, now, self.claim_base_url)
        outcome(ctx, events.EscalationCreated, row)

    async def call_answered(self, event: Delivered[voice.CallAnswered], ctx: HandlerContext) -> None:
        """Voice: a member answered the lead's call (the first of the team to pick up). It is
        their claim of the lead: an escalation for the call (`call:<CallSid>`, once) and any
        the lead already had pending go to them through the claim's one conditional UPDATE,
        so a claim link or the queue racing the call still has one winner."""
        p = event.body
        db = ctx.connection
        if await team.is_deleted(db, p.client_id):
            return
        now = self.clock()
        await escalations.create(
            db, id=uuid.uuid4(), request_id=f"call:{p.call_sid}", client_id=p.client_id,
            lead_phone=p.lead_phone, lead_name=None, reason="answered their call",
            next_step_at=now + self.unclaimed_after, due_at=None, now=now)
        for row in await escalations.claim_by_call(db, p.client_id, p.lead_phone, p.person_id, now):
            await tell_team_who_won(ctx, row)
            outcome(ctx, events.EscalationClaimed, row._asdict() | {"id": row.id}, person=row.person_id)

    # -- the timer -------------------------------------------------------------------------

    async def run_due_steps(self, batch: int = 100) -> int:
        """Advance every escalation whose step is due, each step exactly once (the UPDATE
        that advances it commits with the messages the step sends)."""
        now = self.clock()
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            rows = await escalations.advance_due(uow.connection, now, self.unclaimed_after.total_seconds(),
                                                 int(Step.EXPIRED), batch)
            for row in rows:
                step = Step(min(row.step, Step.EXPIRED))
                if step is Step.RENOTIFIED:
                    await notify(uow, row._asdict(), None, now, self.claim_base_url)
                elif step is Step.OWNERS:
                    await notify(uow, row._asdict(), OWNER_ROLES, now, self.claim_base_url)
                else:
                    outcome(uow, events.EscalationExpired, row._asdict())
            await uow.commit()
        return len(rows)
