"""The inbox: one row per message a consumer has applied (or dead-lettered), written in
the batch's transaction, so a message delivered again is recognised and skipped."""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from revgen_common.consumer.received import Received
from revgen_common.db import reading
from revgen_common.topics import ALL_TOPICS

# A message can come again for as long as a topic keeps it (an operator's replay from the
# earliest offset), so its inbox row outlives the longest retention we declare, then goes.
INBOX_KEEP_SECONDS = max(t.retention_ms for t in ALL_TOPICS) / 1000 + 86_400
INBOX_PRUNE_EVERY_SECONDS = 3600

_PRUNE = text("""
    DELETE FROM inbox WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM inbox WHERE consumer = :consumer
          AND processed_at < now() - make_interval(secs => CAST(:keep AS double precision))
        LIMIT :chunk))""")
_ALREADY_APPLIED = text("SELECT event_id FROM inbox WHERE consumer = :consumer AND event_id = ANY(:event_ids)")
_CLAIM = text("""
    INSERT INTO inbox (consumer, event_id, topic, partition, "offset", outcome)
    SELECT :consumer, event_id, topic, partition, "offset", :outcome
    FROM unnest(CAST(:event_ids AS uuid[]), CAST(:topics AS text[]), CAST(:partitions AS integer[]),
                CAST(:offsets AS bigint[])) AS batch(event_id, topic, partition, "offset")
    ON CONFLICT DO NOTHING
    RETURNING event_id""")


async def claim(connection: AsyncConnection, consumer: str, batch: list[Received],
                outcome: str = "applied") -> set[uuid.UUID]:
    """Insert the batch's inbox rows; returns the event ids that were not there yet.
    One prepared statement over arrays, whatever the batch size (no per-row SQL)."""
    result = await connection.execute(_CLAIM, {
        "consumer": consumer, "outcome": outcome,
        "event_ids": [item.event_id for item in batch],
        "topics": [item.record.topic for item in batch],
        "partitions": [item.record.partition for item in batch],
        "offsets": [item.record.offset for item in batch],
    })
    return set(result.scalars())


async def already_applied(engine: AsyncEngine, consumer: str, event_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    async with reading(engine) as db:
        return set((await db.execute(_ALREADY_APPLIED, {"consumer": consumer, "event_ids": list(event_ids)})).scalars())


async def prune(engine: AsyncEngine, consumer: str, keep_seconds: float, chunk: int = 10_000) -> int:
    """Delete the consumer's inbox rows older than `keep_seconds`, a chunk per transaction
    so no long lock is held; returns how many went."""
    deleted = 0
    while True:
        async with engine.begin() as db:
            count = (await db.execute(_PRUNE, {"consumer": consumer, "chunk": chunk, "keep": keep_seconds})).rowcount
        deleted += count
        if count < chunk:
            return deleted
