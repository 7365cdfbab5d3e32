"""The agency_memberships table: an agency's own team, whose roles reach every client of the
agency (domain/roles.py). Lists are keyset pages by (name, person id)."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_MEMBERS = text("""
    SELECT p.id AS person_id, p.name, p.phone, p.email, m.role, m.active
    FROM agency_memberships m JOIN people p ON p.id = m.person_id
    WHERE m.agency_id = :agency
      AND (CAST(:after_name AS text) IS NULL OR (p.name, p.id) > (:after_name, CAST(:after_id AS uuid)))
    ORDER BY p.name, p.id LIMIT :limit""")
_MEMBER = text("""
    SELECT p.id AS person_id, p.name, p.phone, p.email, m.role, m.active
    FROM agency_memberships m JOIN people p ON p.id = m.person_id
    WHERE m.agency_id = :agency AND m.person_id = :person""")
# Locks the row: two owners demoting each other at once cannot both pass the last-owner rule.
_MEMBER_FOR_CHANGE = text(f"{_MEMBER.text} FOR UPDATE OF m")
_HELD = text("SELECT role FROM agency_memberships WHERE agency_id = :agency AND person_id = :person AND active")
_UPSERT = text("""
    INSERT INTO agency_memberships (person_id, agency_id, role) VALUES (:person, :agency, :role)
    ON CONFLICT (person_id, agency_id) DO UPDATE SET role = :role, active = true""")
_SET_ROLE = text("UPDATE agency_memberships SET role = :role WHERE agency_id = :agency AND person_id = :person")
_DEACTIVATE = text("UPDATE agency_memberships SET active = false WHERE agency_id = :agency AND person_id = :person")
_OTHER_OWNERS = text("""
    SELECT count(*) FROM agency_memberships
    WHERE agency_id = :agency AND person_id <> :person AND active AND role = 'agency_owner'""")
# The person's places on the teams of the agency's clients, which end with the agency membership.
_CLIENT_SEATS = text("""
    SELECT c.id AS client_id, p.id AS person_id, p.name, p.phone, p.email, m.role, m.active
    FROM client_memberships m JOIN clients c ON c.id = m.client_id JOIN people p ON p.id = m.person_id
    WHERE c.agency_id = :agency AND m.person_id = :person AND m.active
    ORDER BY c.id FOR UPDATE OF m""")
_LEAVE_CLIENT = text("UPDATE client_memberships SET active = false WHERE client_id = :client AND person_id = :person")


def _row(row) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in row._mapping.items()}


async def page(db: AsyncConnection, agency: uuid.UUID, limit: int, after_name: str | None,
               after_id: uuid.UUID | None) -> list:
    return list((await db.execute(_MEMBERS, {"agency": agency, "limit": limit, "after_name": after_name,
                                             "after_id": after_id})).all())


async def one(db: AsyncConnection, agency: uuid.UUID, person: uuid.UUID, for_change: bool = False) -> dict | None:
    row = (await db.execute(_MEMBER_FOR_CHANGE if for_change else _MEMBER,
                            {"agency": agency, "person": person})).first()
    return _row(row) if row else None


async def roles_held(db: AsyncConnection, agency: uuid.UUID, person: uuid.UUID) -> list[str]:
    return [r for (r,) in await db.execute(_HELD, {"agency": agency, "person": person})]


async def put(db: AsyncConnection, agency: uuid.UUID, person: uuid.UUID, role: str) -> None:
    await db.execute(_UPSERT, {"agency": agency, "person": person, "role": role})


async def set_role(db: AsyncConnection, agency: uuid.UUID, person: uuid.UUID, role: str) -> None:
    await db.execute(_SET_ROLE, {"agency": agency, "person": person, "role": role})


async def deactivate(db: AsyncConnection, agency: uuid.UUID, person: uuid.UUID) -> None:
    await db.execute(_DEACTIVATE, {"agency": agency, "person": person})


async def other_active_owners(db: AsyncConnection, agency: uuid.UUID, person: uuid.UUID) -> int:
    return await db.scalar(_OTHER_OWNERS, {"agency": agency, "person": person})


async def leave_clients(db: AsyncConnection, agency: uuid.UUID, person: uuid.UUID) -> list[dict]:
    """Ends the person's active memberships of the agency's clients; their before-images."""
    seats = [_row(r) for r in await db.execute(_CLIENT_SEATS, {"agency": agency, "person": person})]
    for seat in seats:
        await db.execute(_LEAVE_CLIENT, {"client": seat["client_id"], "person": person})
    return seats
