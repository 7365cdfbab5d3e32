"""A tiny service used to test the runtime: each event it applies becomes one row in
`effects` (no unique constraint there: only the inbox can stop a duplicate)."""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Text, func, insert, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.envelope import Envelope
from revgen_common.errors import PermanentError
from revgen_testing.contracts import EffectRecorded, EffectRequested, RuleBroken

metadata = MetaData()
effects = Table(
    "effects", metadata,
    Column("applied_order", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("key", Text, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("consumer", String(100), nullable=False),
)


async def create_effects_table(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)


def make_handlers(consumer: str, forward_to: str | None = None):
    async def record_effect(event: Delivered[EffectRequested | EffectRecorded], ctx: HandlerContext) -> None:
        await ctx.connection.execute(insert(effects).values(
            event_id=event.event_id, key=event.envelope.key, seq=event.body.seq, consumer=consumer))
        if forward_to:
            ctx.publish_envelope(forward_to, event.envelope.caused("EffectRecorded", consumer, {"seq": event.body.seq}))

    async def reject(event: Delivered[RuleBroken], ctx: HandlerContext) -> None:
        raise PermanentError(f"test event {event.event_id} breaks a rule")

    return {EffectRequested: record_effect, EffectRecorded: record_effect, RuleBroken: reject}


def effect_requests(count: int, keys: int) -> list[Envelope]:
    """`count` events over `keys` keys, with a per-key sequence number to check order."""
    seqs: dict[str, int] = {}
    messages = []
    for i in range(count):
        key = f"key-{i % keys}"
        seqs[key] = seqs.get(key, 0) + 1
        messages.append(Envelope(type="EffectRequested", producer="test", key=key, payload={"seq": seqs[key]}))
    return messages


async def applied(engine: AsyncEngine) -> list[tuple]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(effects.c.event_id, effects.c.key, effects.c.seq).order_by(effects.c.applied_order))
        return [tuple(row) for row in rows]


async def applied_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(effects))
