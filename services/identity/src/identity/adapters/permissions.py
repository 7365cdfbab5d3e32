"""What memberships let a person do, read live on every call (service_layer/access.py asks)."""
from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_MAY = text("""
    SELECT EXISTS (
        SELECT 1 FROM clients c
        WHERE c.id = :client AND c.deleted_at IS NULL AND (
            EXISTS (SELECT 1 FROM agency_memberships m
                    WHERE m.agency_id = c.agency_id AND m.person_id = :person AND m.active AND m.role = ANY(:roles))
         OR EXISTS (SELECT 1 FROM client_memberships m
                    WHERE m.client_id = c.id AND m.person_id = :person AND m.active AND m.role = ANY(:roles))))""")
_ROLES_ON_CLIENT = text("""
    SELECT m.role FROM agency_memberships m JOIN clients c ON c.agency_id = m.agency_id
    WHERE c.id = :client AND m.person_id = :person AND m.active
    UNION SELECT role FROM client_memberships WHERE client_id = :client AND person_id = :person AND active""")
_MAY_IN_AGENCY = text("""
    SELECT EXISTS (SELECT 1 FROM agency_memberships
                   WHERE agency_id = :agency AND person_id = :person AND active AND role = ANY(:roles))""")
_MAY_ON_PLATFORM = text("""
    SELECT EXISTS (SELECT 1 FROM platform_memberships WHERE person_id = :person AND active AND role = ANY(:roles))""")


async def holds_on_client(db: AsyncConnection, person: uuid.UUID, roles: list[str], client: uuid.UUID) -> bool:
    """Whether the person holds one of `roles` on the (live) client, directly or through its agency."""
    return bool(await db.scalar(_MAY, {"client": client, "person": person, "roles": roles}))


async def roles_on_client(db: AsyncConnection, person: uuid.UUID, client: uuid.UUID) -> list[str]:
    return [r for (r,) in await db.execute(_ROLES_ON_CLIENT, {"client": client, "person": person})]


async def holds_in_agency(db: AsyncConnection, person: uuid.UUID, roles: list[str], agency: uuid.UUID) -> bool:
    return bool(await db.scalar(_MAY_IN_AGENCY, {"agency": agency, "person": person, "roles": roles}))


async def holds_on_platform(db: AsyncConnection, person: uuid.UUID, roles: list[str]) -> bool:
    return bool(await db.scalar(_MAY_ON_PLATFORM, {"person": person, "roles": roles}))
