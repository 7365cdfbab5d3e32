"""Per Stripe object: an advisory lock for the transaction that handles it, and a version
bumped by each lock, so a read made before the lock is used only while still the newest."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:id))")
_BUMP = text("""INSERT INTO stripe_object_reads (object_id, version) VALUES (:id, 1)
                ON CONFLICT (object_id) DO UPDATE SET version = stripe_object_reads.version + 1 RETURNING version""")
_VERSIONS = text("SELECT object_id, version FROM stripe_object_reads WHERE object_id = ANY(:ids)")


async def lock_and_bump(db: AsyncConnection, object_id: str) -> int:
    """Locks the object until the transaction ends; its version after this bump."""
    await db.execute(_LOCK, {"id": object_id})
    return int(await db.scalar(_BUMP, {"id": object_id}))


async def versions(db: AsyncConnection, object_ids: list[str]) -> dict[str, int]:
    """The objects' versions; one never locked is absent."""
    rows = await db.execute(_VERSIONS, {"ids": object_ids})
    return {row.object_id: row.version for row in rows}
