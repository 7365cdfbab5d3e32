"""The team roster read model, kept from identity's events (members, their roles, deleted
clients) and messaging's business hours: who may be told of an escalation, and when. A member
who leaves gives their open claims back to the team (B7)."""
from __future__ import annotations

from datetime import timedelta

from escalation.adapters import escalations, team
from escalation.service_layer.notices import notify, outcome
from revgen_common.clock import Clock
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts import escalation as events
from revgen_common.contracts import identity, messaging


class Roster:
    def __init__(self, claim_base_url: str, unclaimed_after: timedelta, clock: Clock):
        self.claim_base_url = claim_base_url.rstrip("/")
        self.unclaimed_after = unclaimed_after
        self.clock = clock

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
