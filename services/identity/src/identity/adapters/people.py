"""The people table: a person is found by phone or e-mail address, made on first mention."""
from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def person_for(db: AsyncConnection, identifier: str, name: str) -> uuid.UUID:
    """The person known by `identifier` (normalised), made with `name` if nobody is yet."""
    column = "email" if "@" in identifier else "phone"
    return await db.scalar(text(f"""
        INSERT INTO people (id, {column}, name) VALUES (:id, :identifier, :name)
        ON CONFLICT ({column}) DO UPDATE SET name = people.name RETURNING id"""),
        {"id": uuid.uuid4(), "identifier": identifier, "name": name})
