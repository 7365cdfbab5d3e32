"""Agencies, clients and their teams. Each change writes its audit record and publishes
its event in the same transaction (D13, B3, B7); deletion is soft."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from identity import SERVICE
from identity.adapters import audit_log
from identity.adapters.people import person_for
from identity.domain.identifiers import normalise_identifier
from identity.domain.roles import CLIENT_ROLES, PLATFORM_ROLES, Permission, permissions_of, roles_granting
from identity.service_layer.access import NotFound, require, require_in_agency, require_within
from revgen_common.contracts import identity as events
from revgen_common.pagination import decode_cursor, decode_keyset, next_cursor
from revgen_common.unit_of_work import UnitOfWork

_CLIENT = text("SELECT id, agency_id, name, status, created_at, updated_at FROM clients "
               "WHERE id = :id AND deleted_at IS NULL")
# Keyset pages (revgen_common.pagination): the position is the last row's (name, id).
_MEMBERS = text("""
    SELECT p.id AS person_id, p.name, p.phone, p.email, m.role, m.active
    FROM client_memberships m JOIN people p ON p.id = m.person_id
    WHERE m.client_id = :client
      AND (CAST(:after_name AS text) IS NULL OR (p.name, p.id) > (:after_name, CAST(:after_id AS uuid)))
    ORDER BY p.name, p.id LIMIT :limit""")
_VISIBLE_CLIENTS = text("""
    SELECT c.id, c.agency_id, c.name, c.status FROM clients c
    WHERE c.deleted_at IS NULL
      AND (c.agency_id IN (SELECT agency_id FROM agency_memberships
                           WHERE person_id = :person AND active AND role = ANY(:roles))
        OR c.id IN (SELECT client_id FROM client_memberships
                    WHERE person_id = :person AND active AND role = ANY(:roles)))
      AND (CAST(:search AS text) IS NULL OR c.name ILIKE :search ESCAPE '\\')
      AND (CAST(:after_name AS text) IS NULL OR (c.name, c.id) > (:after_name, CAST(:after_id AS uuid)))
    ORDER BY c.name, c.id LIMIT :limit""")
def _contains(search: str) -> str:
    """A LIKE pattern matching `search` anywhere, its own % and _ taken literally."""
    return "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_PERSON = text("SELECT id, name, phone, email, alert_channels FROM people WHERE id = :person")
_MY_PLATFORM_ROLES = text("SELECT role FROM platform_memberships WHERE person_id = :person AND active ORDER BY role")
_MY_AGENCIES = text("""
    SELECT a.id AS agency_id, a.name, m.role FROM agency_memberships m JOIN agencies a ON a.id = m.agency_id
    WHERE m.person_id = :person AND m.active ORDER BY a.name, a.id""")
_MY_CLIENTS = text("""
    SELECT c.id AS client_id, c.agency_id, c.name, c.status, m.role
    FROM client_memberships m JOIN clients c ON c.id = m.client_id
    WHERE m.person_id = :person AND m.active AND c.deleted_at IS NULL ORDER BY c.name, c.id""")
_MEMBER = text("""
    SELECT p.id AS person_id, p.name, p.phone, p.email, m.role, m.active
    FROM client_memberships m JOIN people p ON p.id = m.person_id
    WHERE m.client_id = :client AND m.person_id = :person""")


def _row(row) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in row._mapping.items()}


async def _audit(db: AsyncConnection, actor: uuid.UUID | None, action: str, entity: str, entity_id: Any,
                 before: dict | None = None, after: dict | None = None) -> None:
    await audit_log.record(db, actor, action, entity, entity_id, before, after)


class Tenants:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    # -- bootstrap (operators, not the API) ------------------------------------------

    async def create_agency(self, name: str, owner_identifier: str, owner_name: str) -> tuple[uuid.UUID, uuid.UUID]:
        agency = uuid.uuid4()
        async with UnitOfWork(self.engine, SERVICE) as uow:
            db = uow.connection
            await db.execute(text("INSERT INTO agencies (id, name) VALUES (:id, :name)"), {"id": agency, "name": name})
            owner = await person_for(db, normalise_identifier(owner_identifier), owner_name)
            await db.execute(text("INSERT INTO agency_memberships (person_id, agency_id, role) "
                                  "VALUES (:p, :a, 'agency_owner')"), {"p": owner, "a": agency})
            await _audit(db, None, "create", "agency", agency, after={"name": name, "owner": owner})
            await uow.commit()
        return agency, owner

    async def grant_platform_role(self, identifier: str, name: str, role: str) -> uuid.UUID:
        if role not in PLATFORM_ROLES:
            raise ValueError(f"unknown platform role {role}")
        async with UnitOfWork(self.engine, SERVICE) as uow:
            db = uow.connection
            person = await person_for(db, normalise_identifier(identifier), name)
            await db.execute(text("""INSERT INTO platform_memberships (person_id, role) VALUES (:p, :r)
                                     ON CONFLICT (person_id, role) DO UPDATE SET active = true"""),
                             {"p": person, "r": role})
            await _audit(db, None, "grant", "platform_membership", f"{role}/{person}", after={"role": role})
            uow.publish(events.PlatformRoleGranted(person_id=str(person), role=role))
            await uow.commit()
        return person

    # -- who am I ----------------------------------------------------------------------

    async def me(self, person: uuid.UUID) -> dict:
        """The person and every membership they hold, each with what it lets them do."""
        async with self.engine.connect() as db:
            me = _row((await db.execute(_PERSON, {"person": person})).one())
            platform = [r.role for r in await db.execute(_MY_PLATFORM_ROLES, {"person": person})]
            agencies = [_row(r) for r in await db.execute(_MY_AGENCIES, {"person": person})]
            clients = [_row(r) for r in await db.execute(_MY_CLIENTS, {"person": person})]
        return {"person": me,
                "platform_roles": [{"role": r, "permissions": permissions_of(r)} for r in platform],
                "agencies": [{**a, "permissions": permissions_of(a["role"])} for a in agencies],
                "clients": [{**c, "permissions": permissions_of(c["role"])} for c in clients]}

    # -- clients ----------------------------------------------------------------------

    async def create_client(self, actor: uuid.UUID, agency: uuid.UUID, name: str) -> dict:
        client = uuid.uuid4()
        async with UnitOfWork(self.engine, SERVICE) as uow:
            db = uow.connection
            await require_in_agency(db, actor, Permission.CLIENT_CREATE, agency)
            await db.execute(text("INSERT INTO clients (id, agency_id, name) VALUES (:id, :agency, :name)"),
                             {"id": client, "agency": agency, "name": name})
            created = _row((await db.execute(_CLIENT, {"id": client})).one())
            await _audit(db, actor, "create", "client", client, after=created)
            uow.publish(events.ClientCreated(client_id=str(client), agency_id=str(agency), name=name))
            await uow.commit()
        return created

    async def list_clients(self, actor: uuid.UUID, limit: int, cursor: str | None, search: str | None = None) -> dict:
        """Every client the actor can see (its agencies' and its own), by name; with `search`,
        those whose name contains it (any case)."""
        after_name, after_id = decode_keyset(cursor, str, uuid.UUID)
        async with self.engine.connect() as db:
            rows = (await db.execute(_VISIBLE_CLIENTS, {
                "person": actor, "roles": roles_granting(Permission.CLIENT_READ), "limit": limit + 1,
                "search": _contains(search) if search else None, "after_name": after_name, "after_id": after_id})).all()
        return {"data": [_row(r) for r in rows[:limit]],
                "next": next_cursor(rows, limit, lambda r: (r.name, str(r.id)))}

    async def get_client(self, actor: uuid.UUID, client: uuid.UUID) -> dict:
        async with self.engine.connect() as db:
            await require(db, actor, Permission.CLIENT_READ, client)
            return _row((await db.execute(_CLIENT, {"id": client})).one())

    async def update_client(self, actor: uuid.UUID, client: uuid.UUID, name: str | None, status: str | None) -> dict:
        async with UnitOfWork(self.engine, SERVICE) as uow:
            db = uow.connection
            await require(db, actor, Permission.CLIENT_UPDATE, client)
            before = _row((await db.execute(_CLIENT, {"id": client})).one())
            await db.execute(text("""UPDATE clients SET name = coalesce(:name, name), status = coalesce(:status, status)
                                     WHERE id = :id"""), {"id": client, "name": name, "status": status})
            after = _row((await db.execute(_CLIENT, {"id": client})).one())
            await _audit(db, actor, "update", "client", client, before=before, after=after)
            uow.publish(events.ClientUpdated(client_id=str(client), name=after["name"], status=after["status"]))
            await uow.commit()
        return after

    async def delete_client(self, actor: uuid.UUID, client: uuid.UUID) -> None:
        async with UnitOfWork(self.engine, SERVICE) as uow:
            db = uow.connection
            await require(db, actor, Permission.CLIENT_DELETE, client)
            before = _row((await db.execute(_CLIENT, {"id": client})).one())
            await db.execute(text("UPDATE clients SET status = 'deleted', deleted_at = now() WHERE id = :id"),
                             {"id": client})
            await _audit(db, actor, "delete", "client", client, before=before)
            uow.publish(events.ClientDeleted(client_id=str(client), deleted_by=str(actor)))
            await uow.commit()

    # -- a client's team --------------------------------------------------------------

    async def list_members(self, actor: uuid.UUID, client: uuid.UUID, limit: int, cursor: str | None) -> dict:
        after_name, after_id = decode_cursor(cursor, 2) if cursor else (None, None)
        async with self.engine.connect() as db:
            await require(db, actor, Permission.MEMBERS_READ, client)
            rows = (await db.execute(_MEMBERS, {"client": client, "limit": limit + 1, "after_name": after_name,
                                                "after_id": after_id})).all()
        return {"data": [_row(r) for r in rows[:limit]],
                "next": next_cursor(rows, limit, lambda r: (r.name, str(r.person_id)))}

    async def add_member(self, actor: uuid.UUID, client: uuid.UUID, identifier: str, name: str, role: str) -> dict:
        if role not in CLIENT_ROLES:
            raise ValueError(f"unknown client role {role}")
        async with UnitOfWork(self.engine, SERVICE) as uow:
            db = uow.connection
            await require(db, actor, Permission.MEMBERS_MANAGE, client)
            await require_within(db, actor, client, role)
            person = await person_for(db, normalise_identifier(identifier), name)
            await db.execute(text("""INSERT INTO client_memberships (person_id, client_id, role) VALUES (:p, :c, :r)
                                     ON CONFLICT (person_id, client_id) DO UPDATE SET role = :r, active = true"""),
                             {"p": person, "c": client, "r": role})
            member = _row((await db.execute(_MEMBER, {"client": client, "person": person})).one())
            await _audit(db, actor, "add", "client_membership", f"{client}/{person}", after=member)
            uow.publish(events.MemberAdded(client_id=str(client), person_id=str(person), role=role, name=member["name"],
                                           phone=member["phone"], email=member["email"]))
            await uow.commit()
        return member

    async def change_role(self, actor: uuid.UUID, client: uuid.UUID, person: uuid.UUID, role: str) -> dict:
        if role not in CLIENT_ROLES:
            raise ValueError(f"unknown client role {role}")
        async with UnitOfWork(self.engine, SERVICE) as uow:
            db = uow.connection
            await require(db, actor, Permission.MEMBERS_MANAGE, client)
            before = await self._member(db, client, person)
            for held_or_given in (before["role"], role):
                await require_within(db, actor, client, held_or_given)
            await db.execute(text("UPDATE client_memberships SET role = :r WHERE client_id = :c AND person_id = :p"),
                             {"r": role, "c": client, "p": person})
            after = await self._member(db, client, person)
            await _audit(db, actor, "update", "client_membership", f"{client}/{person}", before=before, after=after)
            uow.publish(events.MemberRoleChanged(client_id=str(client), person_id=str(person), role=role))
            await uow.commit()
        return after

    async def deactivate_member(self, actor: uuid.UUID, client: uuid.UUID, person: uuid.UUID) -> None:
        async with UnitOfWork(self.engine, SERVICE) as uow:
            db = uow.connection
            await require(db, actor, Permission.MEMBERS_MANAGE, client)
            before = await self._member(db, client, person)
            await require_within(db, actor, client, before["role"])
            if not before["active"]:
                return  # already done: nothing to publish twice
            await db.execute(text("UPDATE client_memberships SET active = false WHERE client_id = :c AND person_id = :p"),
                             {"c": client, "p": person})
            await _audit(db, actor, "deactivate", "client_membership", f"{client}/{person}", before=before)
            uow.publish(events.MemberDeactivated(client_id=str(client), person_id=str(person)))
            await uow.commit()

    async def _member(self, db: AsyncConnection, client: uuid.UUID, person: uuid.UUID) -> dict:
        row = (await db.execute(_MEMBER, {"client": client, "person": person})).first()
        if row is None:
            raise NotFound("member")
        return _row(row)
