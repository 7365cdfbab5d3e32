"""Escalation's read models of identity's team roster, business hours and deleted clients:
only the event handlers write them (L1)."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from escalation.adapters.tables import business_hours, deleted_clients

# A member is texted, or e-mailed when identity knows no phone for them (#15).
_TEAM = text("""SELECT person_id, name, COALESCE(phone, email) AS contact, role FROM team_members
                WHERE client_id = :client AND active AND COALESCE(phone, email) IS NOT NULL AND role = ANY(:roles)
                ORDER BY person_id""")
_ADD_MEMBER = text("""
    INSERT INTO team_members (client_id, person_id, name, phone, email, role) VALUES (:c, :p, :n, :ph, :em, :r)
    ON CONFLICT (client_id, person_id) DO UPDATE SET name = :n, phone = :ph, email = :em, role = :r,
        active = true""")
_SET_ROLE = text("UPDATE team_members SET role = :r WHERE client_id = :c AND person_id = :p")
_DEACTIVATE = text("UPDATE team_members SET active = false WHERE client_id = :c AND person_id = :p")
_SET_HOURS = text("""
    INSERT INTO business_hours (client_id, timezone, hours) VALUES (:c, :tz, CAST(:h AS jsonb))
    ON CONFLICT (client_id) DO UPDATE SET timezone = :tz, hours = CAST(:h AS jsonb)""")


async def reachable_members(db: AsyncConnection, client_id: str, roles: list[str]) -> list[Row[Any]]:
    """The client's active members in `roles` with a phone or an address (`contact`)."""
    return list((await db.execute(_TEAM, {"client": client_id, "roles": roles})).all())


async def hours(db: AsyncConnection, client_id: str) -> Row[Any, Any] | None:
    return (await db.execute(select(business_hours.c.hours, business_hours.c.timezone)
                             .where(business_hours.c.client_id == client_id))).first()


async def add_member(db: AsyncConnection, client_id: str, person_id: str, name: str, phone: str | None,
                     email: str | None, role: str) -> None:
    await db.execute(_ADD_MEMBER, {"c": client_id, "p": person_id, "n": name, "ph": phone, "em": email, "r": role})


async def set_role(db: AsyncConnection, client_id: str, person_id: str, role: str) -> None:
    await db.execute(_SET_ROLE, {"r": role, "c": client_id, "p": person_id})


async def deactivate(db: AsyncConnection, client_id: str, person_id: str) -> None:
    await db.execute(_DEACTIVATE, {"c": client_id, "p": person_id})


async def set_hours(db: AsyncConnection, client_id: str, timezone: str, weekly: Any) -> None:
    await db.execute(_SET_HOURS, {"c": client_id, "tz": timezone, "h": json.dumps(weekly)})


async def is_deleted(db: AsyncConnection, client_id: str) -> bool:
    return bool(await db.scalar(select(1).where(deleted_clients.c.client_id == client_id)))


async def mark_deleted(db: AsyncConnection, client_id: str) -> None:
    await db.execute(insert(deleted_clients).values(client_id=client_id).on_conflict_do_nothing())
