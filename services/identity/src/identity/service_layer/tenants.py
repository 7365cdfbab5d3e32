"""Agencies, clients and their teams. Each change writes its audit record and publishes
its event in the same transaction (D13, B3, B7); deletion is soft."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from identity import SERVICE
from identity.adapters import agency_memberships, audit_log, clients, memberships, people
from identity.domain.identifiers import normalise_identifier
from identity.domain.roles import CLIENT_ROLES, PLATFORM_ROLES, Permission, permissions_of, roles_granting
from identity.service_layer.access import NotFound, require, require_in_agency, require_within
from revgen_common.clock import Clock
from revgen_common.contracts import identity as events
from revgen_common.pagination import decode_cursor, decode_keyset, next_cursor
from revgen_common.unit_of_work import UnitOfWork


def _contains(search: str) -> str:
    """A LIKE pattern matching `search` anywhere, its own % and _ taken literally."""
    return "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _row(row) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in row._mapping.items()}


async def _audit(db: AsyncConnection, actor: uuid.UUID | None, action: str, entity: str, entity_id: Any,
                 before: dict | None = None, after: dict | None = None) -> None:
    await audit_log.record(db, actor, action, entity, entity_id, before, after)


class Tenants:
    def __init__(self, engine: AsyncEngine, clock: Clock):
        self.engine = engine
        self.clock = clock

    # -- bootstrap (operators, not the API) ------------------------------------------

    async def create_agency(self, name: str, owner_identifier: str, owner_name: str) -> tuple[uuid.UUID, uuid.UUID]:
        agency = uuid.uuid4()
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            await clients.add_agency(db, agency, name)
            owner = await people.person_for(db, normalise_identifier(owner_identifier), owner_name)
            await agency_memberships.put(db, agency, owner, "agency_owner")
            await _audit(db, None, "create", "agency", agency, after={"name": name, "owner": owner})
            await uow.commit()
        return agency, owner

    async def grant_platform_role(self, identifier: str, name: str, role: str) -> uuid.UUID:
        if role not in PLATFORM_ROLES:
            raise ValueError(f"unknown platform role {role}")
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            person = await people.person_for(db, normalise_identifier(identifier), name)
            await memberships.grant_platform_role(db, person, role)
            await _audit(db, None, "grant", "platform_membership", f"{role}/{person}", after={"role": role})
            uow.publish(events.PlatformRoleGranted(person_id=str(person), role=role))
            await uow.commit()
        return person

    # -- who am I ----------------------------------------------------------------------

    async def me(self, person: uuid.UUID) -> dict:
        """The person and every membership they hold, each with what it lets them do."""
        async with self.engine.connect() as db:
            me = _row(await people.person(db, person))
            platform = await memberships.platform_roles_of(db, person)
            agencies = [_row(r) for r in await memberships.agencies_of(db, person)]
            its_clients = [_row(r) for r in await memberships.clients_of(db, person)]
        return {"person": me,
                "platform_roles": [{"role": r, "permissions": permissions_of(r)} for r in platform],
                "agencies": [{**a, "permissions": permissions_of(a["role"])} for a in agencies],
                "clients": [{**c, "permissions": permissions_of(c["role"])} for c in its_clients]}

    # -- clients ----------------------------------------------------------------------

    async def create_client(self, actor: uuid.UUID, agency: uuid.UUID, name: str) -> dict:
        client = uuid.uuid4()
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            await require_in_agency(db, actor, Permission.CLIENT_CREATE, agency)
            await clients.add(db, client, agency, name)
            created = _row(await clients.get(db, client))
            await _audit(db, actor, "create", "client", client, after=created)
            uow.publish(events.ClientCreated(client_id=str(client), agency_id=str(agency), name=name))
            await uow.commit()
        return created

    async def list_clients(self, actor: uuid.UUID, limit: int, cursor: str | None, search: str | None = None) -> dict:
        """Every client the actor can see (its agencies' and its own), by name; with `search`,
        those whose name contains it (any case)."""
        after_name, after_id = decode_keyset(cursor, str, uuid.UUID)
        async with self.engine.connect() as db:
            rows = await clients.visible_page(db, actor, roles_granting(Permission.CLIENT_READ), limit + 1,
                                              _contains(search) if search else None, after_name, after_id)
        return {"data": [_row(r) for r in rows[:limit]],
                "next": next_cursor(rows, limit, lambda r: (r.name, str(r.id)))}

    async def get_client(self, actor: uuid.UUID, client: uuid.UUID) -> dict:
        async with self.engine.connect() as db:
            await require(db, actor, Permission.CLIENT_READ, client)
            return _row(await clients.get(db, client))

    async def update_client(self, actor: uuid.UUID, client: uuid.UUID, name: str | None, status: str | None) -> dict:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            await require(db, actor, Permission.CLIENT_UPDATE, client)
            before = _row(await clients.get(db, client))
            await clients.update(db, client, name, status)
            after = _row(await clients.get(db, client))
            await _audit(db, actor, "update", "client", client, before=before, after=after)
            uow.publish(events.ClientUpdated(client_id=str(client), name=after["name"], status=after["status"]))
            await uow.commit()
        return after

    async def delete_client(self, actor: uuid.UUID, client: uuid.UUID) -> None:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            await require(db, actor, Permission.CLIENT_DELETE, client)
            before = _row(await clients.get(db, client))
            await clients.mark_deleted(db, client)
            await _audit(db, actor, "delete", "client", client, before=before)
            uow.publish(events.ClientDeleted(client_id=str(client), deleted_by=str(actor)))
            await uow.commit()

    # -- a client's team --------------------------------------------------------------

    async def list_members(self, actor: uuid.UUID, client: uuid.UUID, limit: int, cursor: str | None) -> dict:
        after_name, after_id = decode_cursor(cursor, 2) if cursor else (None, None)
        async with self.engine.connect() as db:
            await require(db, actor, Permission.MEMBERS_READ, client)
            rows = await memberships.client_members_page(db, client, limit + 1, after_name, after_id)
        return {"data": [_row(r) for r in rows[:limit]],
                "next": next_cursor(rows, limit, lambda r: (r.name, str(r.person_id)))}

    async def add_member(self, actor: uuid.UUID, client: uuid.UUID, identifier: str, name: str, role: str) -> dict:
        if role not in CLIENT_ROLES:
            raise ValueError(f"unknown client role {role}")
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            await require(db, actor, Permission.MEMBERS_MANAGE, client)
            await require_within(db, actor, client, role)
            person = await people.person_for(db, normalise_identifier(identifier), name)
            await memberships.add_client_member(db, client, person, role)
            member = await self._member(db, client, person)
            await _audit(db, actor, "add", "client_membership", f"{client}/{person}", after=member)
            uow.publish(events.MemberAdded(client_id=str(client), person_id=str(person), role=role, name=member["name"],
                                           phone=member["phone"], email=member["email"]))
            await uow.commit()
        return member

    async def change_role(self, actor: uuid.UUID, client: uuid.UUID, person: uuid.UUID, role: str) -> dict:
        if role not in CLIENT_ROLES:
            raise ValueError(f"unknown client role {role}")
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            await require(db, actor, Permission.MEMBERS_MANAGE, client)
            before = await self._member(db, client, person)
            for held_or_given in (before["role"], role):
                await require_within(db, actor, client, held_or_given)
            await memberships.set_client_role(db, client, person, role)
            after = await self._member(db, client, person)
            await _audit(db, actor, "update", "client_membership", f"{client}/{person}", before=before, after=after)
            uow.publish(events.MemberRoleChanged(client_id=str(client), person_id=str(person), role=role))
            await uow.commit()
        return after

    async def deactivate_member(self, actor: uuid.UUID, client: uuid.UUID, person: uuid.UUID) -> None:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            await require(db, actor, Permission.MEMBERS_MANAGE, client)
            before = await self._member(db, client, person)
            await require_within(db, actor, client, before["role"])
            if not before["active"]:
                return  # already done: nothing to publish twice
            await memberships.deactivate_client_member(db, client, person)
            await _audit(db, actor, "deactivate", "client_membership", f"{client}/{person}", before=before)
            uow.publish(events.MemberDeactivated(client_id=str(client), person_id=str(person)))
            await uow.commit()

    async def _member(self, db: AsyncConnection, client: uuid.UUID, person: uuid.UUID) -> dict:
        row = await memberships.client_member(db, client, person)
        if row is None:
            raise NotFound("member")
        return _row(row)
