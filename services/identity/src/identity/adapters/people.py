"""People: one row per phone number or e-mail address, whoever invited them first."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_PERSON = text("SELECT id, name, phone, email, alert_channels FROM people WHERE id = :person")


async def person_for(db: AsyncConnection, identifier: str, name: str) -> uuid.UUID:
    """The person with this phone or address (`identifier` normalised), added if new; a known
    person keeps their name."""
    column = "email" if "@" in identifier else "phone"
    person: uuid.UUID = await db.scalar(text(f"""
        INSERT INTO people (id, {column}, name) VALUES (:id, :identifier, :name)
        ON CONFLICT ({column}) DO UPDATE SET name = people.name RETURNING id"""),
        {"id": uuid.uuid4(), "identifier": identifier, "name": name})
    return person


async def person(db: AsyncConnection, person: uuid.UUID) -> Row[Any]:
    return (await db.execute(_PERSON, {"person": person})).one()
