"""Who belongs where, with which role: client (a client's team) and platform memberships, and a
person's agencies (an agency's own team is agency_memberships.py).
A membership is deactivated, never deleted; adding it again revives it."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

# Keyset pages (revgen_common.pagination): the position is the last row's (name, id).
_MEMBERS = text("""
    SELECT p.id AS person_id, p.name, p.phone, p.email, m.role, m.active
    FROM client_memberships m JOIN people p ON p.id = m.person_id
    WHERE m.client_id = :client
      AND (CAST(:after_name AS text) IS NULL OR (p.name, p.id) > (:after_name, CAST(:after_id AS uuid)))
    ORDER BY p.name, p.id LIMIT :limit""")
_MEMBER = text("""
    SELECT p.id AS person_id, p.name, p.phone, p.email, m.role, m.active
    FROM client_memberships m JOIN people p ON p.id = m.person_id
    WHERE m.client_id = :client AND m.person_id = :person""")
_MY_PLATFORM_ROLES = text("SELECT role FROM platform_memberships WHERE person_id = :person AND active ORDER BY role")
_MY_AGENCIES = text("""
    SELECT a.id AS agency_id, a.name, m.role FROM agency_memberships m JOIN agencies a ON a.id = m.agency_id
    WHERE m.person_id = :person AND m.active ORDER BY a.name, a.id""")
_MY_CLIENTS = text("""
    SELECT c.id AS client_id, c.agency_id, c.name, c.status, m.role
    FROM client_memberships m JOIN clients c ON c.id = m.client_id
    WHERE m.person_id = :person AND m.active AND c.deleted_at IS NULL ORDER BY c.name, c.id""")
_GRANT_PLATFORM_ROLE = text("""INSERT INTO platform_memberships (person_id, role) VALUES (:p, :r)
                               ON CONFLICT (person_id, role) DO UPDATE SET active = true""")
_ADD_CLIENT_MEMBER = text("""INSERT INTO client_memberships (person_id, client_id, role) VALUES (:p, :c, :r)
                             ON CONFLICT (person_id, client_id) DO UPDATE SET role = :r, active = true""")
_SET_CLIENT_ROLE = text("UPDATE client_memberships SET role = :r WHERE client_id = :c AND person_id = :p")
_DEACTIVATE_CLIENT_MEMBER = text("UPDATE client_memberships SET active = false WHERE client_id = :c AND person_id = :p")


async def grant_platform_role(db: AsyncConnection, person: uuid.UUID, role: str) -> None:
    await db.execute(_GRANT_PLATFORM_ROLE, {"p": person, "r": role})


async def add_client_member(db: AsyncConnection, client: uuid.UUID, person: uuid.UUID, role: str) -> None:
    await db.execute(_ADD_CLIENT_MEMBER, {"p": person, "c": client, "r": role})


async def set_client_role(db: AsyncConnection, client: uuid.UUID, person: uuid.UUID, role: str) -> None:
    await db.execute(_SET_CLIENT_ROLE, {"r": role, "c": client, "p": person})


async def deactivate_client_member(db: AsyncConnection, client: uuid.UUID, person: uuid.UUID) -> None:
    await db.execute(_DEACTIVATE_CLIENT_MEMBER, {"c": client, "p": person})


async def client_member(db: AsyncConnection, client: uuid.UUID, person: uuid.UUID) -> Row[Any] | None:
    """The person on the client's team (active or not), with their name and contacts."""
    return (await db.execute(_MEMBER, {"client": client, "person": person})).first()


async def client_members_page(db: AsyncConnection, client: uuid.UUID, limit: int, after_name: str | None,
                              after_id: str | None) -> list[Row[Any]]:
    return list((await db.execute(_MEMBERS, {"client": client, "limit": limit, "after_name": after_name,
                                             "after_id": after_id})).all())


async def platform_roles_of(db: AsyncConnection, person: uuid.UUID) -> list[str]:
    return [r.role for r in await db.execute(_MY_PLATFORM_ROLES, {"person": person})]


async def agencies_of(db: AsyncConnection, person: uuid.UUID) -> list[Row[Any]]:
    return list((await db.execute(_MY_AGENCIES, {"person": person})).all())


async def clients_of(db: AsyncConnection, person: uuid.UUID) -> list[Row[Any]]:
    return list((await db.execute(_MY_CLIENTS, {"person": person})).all())
