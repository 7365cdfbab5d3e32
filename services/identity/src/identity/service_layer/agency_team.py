"""An agency's own team: its members (whose roles reach every client of the agency), invited by
phone or e-mail, their roles changed, removed. The rules are the client teams' (ADR 0013): one
may give, or act on someone holding, only a role within one's own; and an agency keeps at least
one owner. Removal also ends the person's places on the agency's clients' teams, each with its
MemberDeactivated, so their open claims go back to the team as for any removed member (ADR 0022).
Each change writes its audit rows and publishes its events in one transaction."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from identity import SERVICE
from identity.adapters import agency_memberships as members
from identity.adapters import audit_log
from identity.adapters.people import person_for
from identity.domain.identifiers import normalise_identifier
from identity.domain.roles import AGENCY_ROLES, Permission, within
from identity.service_layer.access import Forbidden, NotFound, require_in_agency
from revgen_common.clock import Clock
from revgen_common.contracts import identity as events
from revgen_common.errors import Refused
from revgen_common.pagination import decode_keyset, next_cursor
from revgen_common.unit_of_work import UnitOfWork


class AgencyTeam:
    def __init__(self, engine: AsyncEngine, clock: Clock):
        self.engine = engine
        self.clock = clock

    async def list_members(self, actor: uuid.UUID, agency: uuid.UUID, limit: int, cursor: str | None) -> dict:
        after_name, after_id = decode_keyset(cursor, str, uuid.UUID)
        async with self.engine.connect() as db:
            await require_in_agency(db, actor, Permission.MEMBERS_READ, agency)
            rows = await members.page(db, agency, limit + 1, after_name, after_id)
        return {"data": [dict(r._mapping, person_id=str(r.person_id)) for r in rows[:limit]],
                "next": next_cursor(rows, limit, lambda r: (r.name, str(r.person_id)))}

    async def add_member(self, actor: uuid.UUID, agency: uuid.UUID, identifier: str, name: str, role: str) -> dict:
        """Invite someone (or bring back someone removed) with `role`; they log in with a code."""
        _known(role)
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            await _require_manager_within(db, actor, agency, role)
            person = await person_for(db, normalise_identifier(identifier), name)
            before = await members.one(db, agency, person, for_change=True)
            if before and before["role"] != role:
                await _require_within(db, actor, agency, before["role"])  # no demoting an owner by re-inviting
                await _keep_an_owner(db, agency, person, before, role)
            await members.put(db, agency, person, role)
            after = await _member(db, agency, person)  # just written
            await audit_log.record(db, actor, "add", "agency_membership", f"{agency}/{person}", before, after)
            uow.publish(events.AgencyMemberAdded(agency_id=str(agency), person_id=str(person), role=role))
            await uow.commit()
        return after

    async def change_role(self, actor: uuid.UUID, agency: uuid.UUID, person: uuid.UUID, role: str) -> dict:
        _known(role)
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            await require_in_agency(db, actor, Permission.MEMBERS_MANAGE, agency)
            before = await _member(db, agency, person)
            for held_or_given in (before["role"], role):
                await _require_within(db, actor, agency, held_or_given)
            if not before["active"]:
                raise Refused(f"{before['name']} was removed: invite them again to give them a role")
            await _keep_an_owner(db, agency, person, before, role)
            await members.set_role(db, agency, person, role)
            after = await _member(db, agency, person)  # just written
            await audit_log.record(db, actor, "update", "agency_membership", f"{agency}/{person}", before, after)
            uow.publish(events.AgencyMemberRoleChanged(agency_id=str(agency), person_id=str(person), role=role))
            await uow.commit()
        return after

    async def deactivate_member(self, actor: uuid.UUID, agency: uuid.UUID, person: uuid.UUID) -> None:
        """Their access to the agency and its clients ends with this request; removing twice
        is removing once (nothing is published again)."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            await require_in_agency(db, actor, Permission.MEMBERS_MANAGE, agency)
            before = await _member(db, agency, person)
            await _require_within(db, actor, agency, before["role"])
            if not before["active"]:
                return
            await _keep_an_owner(db, agency, person, before, None)
            await members.deactivate(db, agency, person)
            await audit_log.record(db, actor, "deactivate", "agency_membership", f"{agency}/{person}", before)
            for seat in await members.leave_clients(db, agency, person):
                client = seat.pop("client_id")
                await audit_log.record(db, actor, "deactivate", "client_membership", f"{client}/{person}", seat)
                uow.publish(events.MemberDeactivated(client_id=client, person_id=str(person)))
            uow.publish(events.AgencyMemberDeactivated(agency_id=str(agency), person_id=str(person)))
            await uow.commit()


def _known(role: str) -> None:
    if role not in AGENCY_ROLES:
        raise ValueError(f"unknown agency role {role}")


async def _member(db: AsyncConnection, agency: uuid.UUID, person: uuid.UUID) -> dict:
    member = await members.one(db, agency, person, for_change=True)
    if member is None:
        raise NotFound("member")
    return member


async def _require_manager_within(db: AsyncConnection, actor: uuid.UUID, agency: uuid.UUID, role: str) -> None:
    await require_in_agency(db, actor, Permission.MEMBERS_MANAGE, agency)
    await _require_within(db, actor, agency, role)


async def _require_within(db: AsyncConnection, actor: uuid.UUID, agency: uuid.UUID, role: str) -> None:
    """403 unless `role` grants nothing the actor's own roles in the agency lack (ADR 0013)."""
    if not within(role, await members.roles_held(db, agency, actor)):
        raise Forbidden(f"{role} grants more than your own roles here")


async def _keep_an_owner(db: AsyncConnection, agency: uuid.UUID, person: uuid.UUID, before: dict,
                         role: str | None) -> None:
    """An agency without an active owner could never be managed again: its last owner may
    be neither demoted nor removed (another owner first)."""
    if before["active"] and before["role"] == "agency_owner" and role != "agency_owner" and \
            not await members.other_active_owners(db, agency, person):
        raise Refused("the agency's last owner cannot be removed or demoted (make someone else owner first)")
