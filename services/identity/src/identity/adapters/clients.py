"""Agencies and their clients; a client is deleted softly (`deleted_at`), and a deleted one
is absent from every read here."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from identity.adapters.tables import agencies, clients

_CLIENT = text("SELECT id, agency_id, name, status, created_at, updated_at FROM clients "
               "WHERE id = :id AND deleted_at IS NULL")
# Keyset pages (revgen_common.pagination): the position is the last row's (name, id).
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
_UPDATE = text("""UPDATE clients SET name = coalesce(:name, name), status = coalesce(:status, status)
                  WHERE id = :id""")
_DELETE = text("UPDATE clients SET status = 'deleted', deleted_at = now() WHERE id = :id")


async def add_agency(db: AsyncConnection, agency: uuid.UUID, name: str) -> None:
    await db.execute(insert(agencies).values(id=agency, name=name))


async def add(db: AsyncConnection, client: uuid.UUID, agency: uuid.UUID, name: str) -> None:
    await db.execute(insert(clients).values(id=client, agency_id=agency, name=name))


async def get(db: AsyncConnection, client: uuid.UUID) -> Row[Any]:
    """The live client (sqlalchemy.exc.NoResultFound when deleted or absent)."""
    return (await db.execute(_CLIENT, {"id": client})).one()


async def visible_page(db: AsyncConnection, person: uuid.UUID, roles: list[str], limit: int, search: str | None,
                       after_name: str | None, after_id: uuid.UUID | None) -> list[Row[Any]]:
    """Live clients the person holds one of `roles` on (directly or through an agency), by name;
    `search` a LIKE pattern with `\\` as its escape."""
    return list((await db.execute(_VISIBLE_CLIENTS, {
        "person": person, "roles": roles, "limit": limit, "search": search, "after_name": after_name,
        "after_id": after_id})).all())


async def update(db: AsyncConnection, client: uuid.UUID, name: str | None, status: str | None) -> None:
    """Each of name and status changed when given."""
    await db.execute(_UPDATE, {"id": client, "name": name, "status": status})


async def mark_deleted(db: AsyncConnection, client: uuid.UUID) -> None:
    await db.execute(_DELETE, {"id": client})
