"""Opt-outs, per scope (a client, or the platform's own number): STOP in any words or a
carrier's opt-out records one, START removes it."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_ADD = text("""INSERT INTO opt_outs (scope, phone) VALUES (:s, :p)
               ON CONFLICT DO NOTHING RETURNING 1""")
_REMOVE = text("DELETE FROM opt_outs WHERE scope = :s AND phone = :p RETURNING 1")
_FOUND = text("SELECT 1 FROM opt_outs WHERE scope = :s AND phone = :p")


async def add(db: AsyncConnection, scope: str, phone: str) -> bool:
    """True when it is new."""
    return bool(await db.scalar(_ADD, {"s": scope, "p": phone}))


async def remove(db: AsyncConnection, scope: str, phone: str) -> bool:
    """True when there was one."""
    return bool(await db.scalar(_REMOVE, {"s": scope, "p": phone}))


async def opted_out(db: AsyncConnection, scope: str, phone: str) -> bool:
    return bool(await db.scalar(_FOUND, {"s": scope, "p": phone}))
