"""Claims: an escalation is claimed by exactly one person, by the link they were sent or
from the admin UI's queue, and resolved by the one who has it. Each race is settled by one
conditional UPDATE (adapters.escalations); the team hears who won in the same transaction."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from escalation import SERVICE
from escalation.adapters import escalations
from escalation.service_layer.notices import outcome, tell_team_who_won
from revgen_common.clock import Clock
from revgen_common.contracts import escalation as events
from revgen_common.tokens import token_hash
from revgen_common.unit_of_work import UnitOfWork


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


class Claims:
    def __init__(self, engine: AsyncEngine, clock: Clock):
        self.engine = engine
        self.clock = clock

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
