"""Escalations: created once per request, claimed by exactly one person, re-notified and
escalated on a timer, released when their owner leaves the team. Every race is settled
by one SQL statement (adapters.escalations); every message goes out through the outbox
with the state change (service_layer.notices)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from escalation import SERVICE
from escalation.adapters import contact_bans, escalations, team
from escalation.domain.steps import OWNER_ROLES, Step
from escalation.service_layer.notices import notify, outcome, send, tell_team_who_won
from revgen_common.clock import Clock
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts import escalation as events, identity, messaging, voice
from revgen_common.tokens import token_hash
from revgen_common.unit_of_work import Transaction, UnitOfWork


class ClaimRefused(Exception):
    def __init__(self, owner_name: str | None, status: str):
        super().__init__(f"escalation is {status}" + (f", handled by {owner_name}" if owner_name else ""))
        self.owner_name = owner_name
        self.status = status


class UnknownLink(Exception):
    pass


class UnknownEscalation(LookupError):
    pass


class NotOnTheTeam(Exception):
    """Only the client's active team members take its leads (an agency owner is not one)."""


@dataclass(frozen=True)
class Claimed:
    escalation_id: uuid.UUID
    lead_phone: str


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

    # -- claims (HTTP) -----------------------------------------------------------------

    async def claim(self, token: str) -> Claimed:
        now = self.clock()
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            won = await escalations.claim_by_link(uow.connection, token_hash(token), now)
            if won is None:
                link = await escalations.link(uow.connection, token_hash(token))
                if link is None:
                    raise UnknownLink()
                raise ClaimRefused(link.owner_name, link.status)
            return await self._won(uow, won)

    async def claim_as(self, client_id: str, escalation_id: uuid.UUID, person_id: str) -> Claimed:
        """A team member takes the lead from the admin UI: the same one statement decides as
        for a claim link (only a pending escalation, only an active member), so a page and a
        link racing have one winner."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            won = await escalations.claim_as(uow.connection, escalation_id, client_id, person_id, self.clock())
            if won is None:
                await self._refuse(uow, client_id, escalation_id, person_id)
            return await self._won(uow, won)

    async def resolve_as(self, client_id: str, escalation_id: uuid.UUID, person_id: str) -> None:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            row = await escalations.resolve_as(uow.connection, escalation_id, client_id, person_id)
            if row is None:
                if await escalations.state(uow.connection, escalation_id, client_id, person_id) is None:
                    raise UnknownEscalation()
                raise ClaimRefused(None, "not yours to resolve")
            outcome(uow, events.EscalationResolved, {**row._asdict(), "id": row.id}, person=person_id)
            await uow.commit()

    async def _won(self, uow: UnitOfWork, won) -> Claimed:
        await tell_team_who_won(uow, won)
        outcome(uow, events.EscalationClaimed, won._asdict() | {"id": won.id}, person=won.person_id)
        await uow.commit()
        return Claimed(won.id, won.lead_phone)

    async def _refuse(self, uow: UnitOfWork, client_id: str, escalation_id: uuid.UUID, person_id: str):
        state = await escalations.state(uow.connection, escalation_id, client_id, person_id)
        if state is None:
            raise UnknownEscalation()
        if state.status == "pending" and not state.on_team:
            raise NotOnTheTeam("only the client's team members can take its leads")
        raise ClaimRefused(state.owner_name, state.status)

    async def resolve(self, token: str) -> None:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            row = await escalations.resolve_by_link(uow.connection, token_hash(token))
            if row is None:
                if await escalations.link(uow.connection, token_hash(token)) is None:
                    raise UnknownLink()  # as for a claim: a link nobody was sent
                raise ClaimRefused(None, "not yours to resolve")
            outcome(uow, events.EscalationResolved, {**row._asdict(), "id": row.id}, person=row.person_id)
            await uow.commit()

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

    # -- the roster (identity's events) --------------------------------------------------

    async def member_added(self, event: Delivered[identity.MemberAdded], ctx: HandlerContext) -> None:
        p = event.body
        await team.add_member(ctx.connection, p.client_id, p.person_id, p.name, p.phone, p.email, p.role)

    async def member_role_changed(self, event: Delivered[identity.MemberRoleChanged], ctx: HandlerContext) -> None:
        p = event.body
        await team.set_role(ctx.connection, p.client_id, p.person_id, p.role)

    async def member_deactivated(self, event: Delivered[identity.MemberDeactivated], ctx: HandlerContext) -> None:
        """B7: their open claims go back to the team, which is told again, once."""
        p = event.body
        await team.deactivate(ctx.connection, p.client_id, p.person_id)
        now = self.clock()
        released = await escalations.release_claims_of(ctx.connection, p.client_id, p.person_id, now,
                                                        self.unclaimed_after.total_seconds())
        for row in released:
            await notify(ctx, row._asdict(), None, now, self.claim_base_url)
            outcome(ctx, events.EscalationReleased, row._asdict(), person=p.person_id)

    async def business_hours_set(self, event: Delivered[messaging.BusinessHoursSet], ctx: HandlerContext) -> None:
        p = event.body
        await team.set_hours(ctx.connection, p.client_id, p.timezone, p.hours)

    async def client_deleted(self, event: Delivered[identity.ClientDeleted], ctx: HandlerContext) -> None:
        await team.mark_deleted(ctx.connection, event.body.client_id)

    # -- consent (messaging's events) ----------------------------------------------------

    async def lead_opted_out(self, event: Delivered[messaging.LeadOptedOut], ctx: HandlerContext) -> None:
        """Open escalations of the lead are withdrawn (the timer stops re-notifying the team);
        whoever had claimed one is told not to call, once."""
        p = event.body
        await contact_bans.record_opt_out(ctx.connection, p.client_id, p.lead_phone, p.changed_at)
        await self._withdraw(ctx, p.client_id, p.lead_phone, "asked not to be contacted any more")

    async def lead_do_not_contact_changed(self, event: Delivered[messaging.LeadDoNotContactChanged],
                                          ctx: HandlerContext) -> None:
        """A person marked the lead do-not-contact: as for an opt-out, their open escalations are
        withdrawn and whoever had one is told once; cleared, new requests escalate again."""
        p = event.body
        newest = await contact_bans.mark_do_not_contact(ctx.connection, p.client_id, p.lead_phone, p.do_not_contact,
                                                        p.changed_at)
        if newest and p.do_not_contact:
            await self._withdraw(ctx, p.client_id, p.lead_phone, "is marked do-not-contact")

    async def _withdraw(self, uow: Transaction, client_id: str, lead_phone: str, why: str) -> None:
        for row in await escalations.withdraw_open(uow.connection, client_id, lead_phone):
            if row.claimed_by is not None and row.owner_contact is not None:
                send(uow, row._asdict(), row.owner_contact, "escalation_alert",
                     f"{row.lead_name or row.lead_phone} {why}: "
                     "please do not call or text them. The escalation is closed.")
            outcome(uow, events.EscalationWithdrawn, row._asdict(), person=row.claimed_by)

    async def lead_opted_in(self, event: Delivered[messaging.LeadOptedIn], ctx: HandlerContext) -> None:
        await contact_bans.clear_opt_out(ctx.connection, event.body.client_id, event.body.lead_phone)
