""""May this person do P on client C?" — answered from live memberships on every call,
so a removed member loses access on the very next request."""
from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from identity.domain.roles import Permission, roles_granting, within


class NotFound(Exception):
    """The object does not exist *for this caller*: other tenants' objects look absent."""


class Forbidden(Exception):
    """The caller sees the object but may not do this to it."""


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


async def may(db: AsyncConnection, person: uuid.UUID, permission: Permission, client: uuid.UUID) -> bool:
    return await db.scalar(_MAY, {"client": client, "person": person, "roles": roles_granting(permission)})


async def require(db: AsyncConnection, person: uuid.UUID, permission: Permission, client: uuid.UUID) -> None:
    """404 unless the caller can see the client at all; 403 if it can but not do this."""
    if not await may(db, person, Permission.CLIENT_READ, client):
        raise NotFound("client")
    if not await may(db, person, permission, client):
        raise Forbidden(permission.value)


async def require_within(db: AsyncConnection, person: uuid.UUID, client: uuid.UUID, role: str) -> None:
    """403 unless `role` grants nothing the person lacks on the client (identity.domain.roles.within)."""
    held = [r for (r,) in await db.execute(_ROLES_ON_CLIENT, {"client": client, "person": person})]
    if not within(role, held):
        raise Forbidden(f"{role} grants more than your own roles here")


async def require_on_platform(db: AsyncConnection, person: uuid.UUID, permission: Permission) -> None:
    """Platform permissions (the catalogue, operations): the platform is no secret, so a
    person without the role is refused (403), never told it is absent."""
    if not await db.scalar(_MAY_ON_PLATFORM, {"person": person, "roles": roles_granting(permission)}):
        raise Forbidden(permission.value)


async def require_in_agency(db: AsyncConnection, person: uuid.UUID, permission: Permission,
                            agency: uuid.UUID) -> None:
    if not await db.scalar(_MAY_IN_AGENCY, {"agency": agency, "person": person,
                                            "roles": roles_granting(Permission.CLIENT_READ)}):
        raise NotFound("agency")
    if not await db.scalar(_MAY_IN_AGENCY, {"agency": agency, "person": person,
                                            "roles": roles_granting(permission)}):
        raise Forbidden(permission.value)
