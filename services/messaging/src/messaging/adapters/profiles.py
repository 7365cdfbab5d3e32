"""Clients' messaging profiles: created with the client, replaced whole by its settings,
kept (marked deleted) when the client goes so nothing more is sent for it."""
from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_REPLACE = text("""
    INSERT INTO profiles (client_id, business_name, timezone, business_hours, quiet_start, quiet_end, persona, knowledge,
                          monthly_limit, owner_phone, owner_email)
    VALUES (:c, :name, :tz, CAST(:hours AS jsonb), :qs, :qe, :persona, :knowledge, :limit, :owner, :owner_email)
    ON CONFLICT (client_id) DO UPDATE SET business_name = EXCLUDED.business_name, timezone = EXCLUDED.timezone,
        business_hours = EXCLUDED.business_hours, quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end,
        persona = EXCLUDED.persona, knowledge = EXCLUDED.knowledge, monthly_limit = EXCLUDED.monthly_limit,
        owner_phone = EXCLUDED.owner_phone, owner_email = EXCLUDED.owner_email
    WHERE profiles.deleted_at IS NULL
    RETURNING client_id""")
_CREATE = text("""INSERT INTO profiles (client_id, business_name) VALUES (:c, :n)
                  ON CONFLICT (client_id) DO NOTHING""")
_MARK_DELETED = text("""INSERT INTO profiles (client_id, deleted_at) VALUES (:c, :now)
                        ON CONFLICT (client_id) DO UPDATE SET deleted_at = COALESCE(profiles.deleted_at, :now)""")
_WITH_NUMBERS = text("""
    SELECT client_id, business_name, timezone, business_hours, quiet_start, quiet_end, persona, knowledge,
           monthly_limit, owner_phone, owner_email,
           ARRAY(SELECT number FROM numbers n WHERE n.client_id = p.client_id AND n.released_at IS NULL
                 ORDER BY number) AS numbers
    FROM profiles p WHERE client_id = :c AND deleted_at IS NULL""")
_OWNER = text("SELECT owner_phone, business_name FROM profiles WHERE client_id = :c AND deleted_at IS NULL")
_WITH_AN_OWNER = text("""SELECT client_id, timezone FROM profiles
                         WHERE COALESCE(owner_phone, owner_email) IS NOT NULL
                           AND deleted_at IS NULL
                         ORDER BY client_id""")
_OWNER_CONTACTS = text("SELECT owner_phone, owner_email, timezone FROM profiles WHERE client_id = :c")
_LIMIT = text("SELECT monthly_limit, timezone FROM profiles WHERE client_id = :c")


async def replace(db: AsyncConnection, client_id: str, *, business_name: str, timezone: str,
                  business_hours: dict[int, list[tuple[str, str]]], quiet_start: time, quiet_end: time, persona: str,
                  knowledge: str, monthly_limit: int, owner_phone: str | None, owner_email: str | None) -> bool:
    """One statement, business hours included (D12); False when the client was deleted."""
    return await db.scalar(_REPLACE, {
        "c": client_id, "name": business_name, "tz": timezone, "hours": json.dumps(business_hours),
        "qs": quiet_start, "qe": quiet_end, "persona": persona, "knowledge": knowledge, "limit": monthly_limit,
        "owner": owner_phone, "owner_email": owner_email}) is not None


async def create(db: AsyncConnection, client_id: str, business_name: str) -> None:
    await db.execute(_CREATE, {"c": client_id, "n": business_name})


async def mark_deleted(db: AsyncConnection, client_id: str, now: datetime) -> None:
    await db.execute(_MARK_DELETED, {"c": client_id, "now": now})


async def with_numbers(db: AsyncConnection, client_id: str) -> Row[Any] | None:
    """A live client's profile and its numbers, in order."""
    return (await db.execute(_WITH_NUMBERS, {"c": client_id})).first()


async def owner(db: AsyncConnection, client_id: str) -> Row[Any] | None:
    """A live client's owner phone and business name."""
    return (await db.execute(_OWNER, {"c": client_id})).first()


async def with_an_owner(db: AsyncConnection) -> list[Row[Any]]:
    """Each live client whose owner can be reached (a phone or an address), with its timezone."""
    return list((await db.execute(_WITH_AN_OWNER)).all())


async def owner_contacts(db: AsyncConnection, client_id: str) -> Row[Any]:
    return (await db.execute(_OWNER_CONTACTS, {"c": client_id})).one()


async def limit_and_timezone(db: AsyncConnection, client_id: str) -> Row[Any] | None:
    return (await db.execute(_LIMIT, {"c": client_id})).first()
