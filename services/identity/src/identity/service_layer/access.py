""""May this person do P on client C?" — answered from live memberships on every call,
so a removed member loses access on the very next request."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from identity.adapters import permissions
from identity.domain.roles import Permission, roles_granting, within


class NotFound(Exception):
    """The object does not exist *for this caller*: other tenants' objects look absent."""


class Forbidden(Exception):
    """The caller sees the object but may not do this to it."""


async def may(db: AsyncConnection, person: uuid.UUID, permission: Permission, client: uuid.UUID) -> bool:
    return await permissions.holds_on_client(db, person, roles_granting(permission), client)


async def require(db: AsyncConnection, person: uuid.UUID, permission: Permission, client: uuid.UUID) -> None:
    """404 unless the caller can see the client at all; 403 if it can but not do this."""
    if not await may(db, person, Permission.CLIENT_READ, client):
        raise NotFound("client")
    if not await may(db, person, permission, client):
        raise Forbidden(permission.value)


async def require_within(db: AsyncConnection, person: uuid.UUID, client: uuid.UUID, role: str) -> None:
    """403 unless `role` grants nothing the person lacks on the client (identity.domain.roles.within)."""
    held = await permissions.roles_on_client(db, person, client)
    if not within(role, held):
        raise Forbidden(f"{role} grants more than your own roles here")


async def require_on_platform(db: AsyncConnection, person: uuid.UUID, permission: Permission) -> None:
    """Platform permissions (the catalogue, operations): the platform is no secret, so a
    person without the role is refused (403), never told it is absent."""
    if not await permissions.holds_on_platform(db, person, roles_granting(permission)):
        raise Forbidden(permission.value)


async def require_in_agency(db: AsyncConnection, person: uuid.UUID, permission: Permission,
                            agency: uuid.UUID) -> None:
    if not await permissions.holds_in_agency(db, person, roles_granting(Permission.CLIENT_READ), agency):
        raise NotFound("agency")
    if not await permissions.holds_in_agency(db, person, roles_granting(permission), agency):
        raise Forbidden(permission.value)
