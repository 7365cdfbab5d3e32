"""A handler cannot break exactly-once: it is given its batch's connection, `publish` and
`savepoint()`, and neither ending the batch's transaction nor opening a transaction of its
own on the service's engine is possible. A handler that tries is refused and its message
dead-lettered naming the misuse; the rest of its batch is applied once, and nothing the
misbehaving handler wrote is kept."""
import uuid

import pytest
from sqlalchemy import insert, select

from revgen_common import ConsumerOptions, ExactlyOnceConsumer, OwnTransactions, Staged, UnitOfWork
from revgen_common.db import inbox, outbox
from revgen_common.topics import DEAD_LETTERS
from revgen_testing.contracts import EffectRequested
from revgen_testing.effects import applied, create_effects_table, effect_requests, effects, make_handlers
from revgen_testing.kafka_io import publish
from revgen_testing.running import eventually, running


def _misbehaving(name, engine, misuse):
    record = make_handlers(name)[EffectRequested]

    async def handler(event, ctx):
        if event.body.seq != 2:
            return await record(event, ctx)
        await ctx.connection.execute(insert(effects).values(event_id=event.event_id, key=event.envelope.key, seq=-1,
                                                            consumer=name))
        await misuse(ctx, engine)

    return handler


async def _commit(ctx, engine):
    await ctx.connection.commit()


async def _rollback(ctx, engine):
    await ctx.connection.rollback()


async def _own_unit_of_work(ctx, engine):
    async with UnitOfWork(engine, "test") as uow:
        await uow.commit()


@pytest.mark.parametrize("misuse", [_commit, _rollback, _own_unit_of_work])
async def test_a_handler_that_would_commit_or_open_its_own_transaction_is_refused_and_its_batch_stays_whole(
        infra, engine, make_topic, misuse):
    await create_effects_table(engine)
    topic = await make_topic(partitions=1)
    name = f"misuse-{uuid.uuid4().hex[:6]}"
    events = effect_requests(4, keys=1)  # seq 1..4 on one key, one partition: one batch
    await publish(infra.bootstrap_servers, topic, events)

    consumer = ExactlyOnceConsumer(name=name, topics=[topic], engine=engine, bootstrap_servers=infra.bootstrap_servers,
                                   handlers={EffectRequested: _misbehaving(name, engine, misuse)},
                                   options=ConsumerOptions(max_batch=10))
    async with running(consumer):
        await eventually(lambda: _inbox_rows(engine, name, 4), timeout=30)

    assert [row[2] for row in await applied(engine)] == [1, 3, 4]  # once each; nothing of seq 2's handler kept
    outcomes = {row.event_id: row.outcome for row in await _inbox_rows(engine, name, 4)}
    assert outcomes[events[1].event_id] != "applied"
    async with engine.connect() as db:
        letters = (await db.execute(select(outbox.c.headers).where(outbox.c.topic == DEAD_LETTERS.name))).scalars().all()
    assert [h["dlq.error.class"] for h in letters if h.get("dlq.consumer") == name] == ["HandlerMisuse"]


def test_prepare_only_work_must_say_so_by_name():
    async def run(event):
        return None

    with pytest.raises(TypeError, match="OwnTransactions"):
        Staged(prepare=run, apply=None)
    assert OwnTransactions(run).apply is None


async def _inbox_rows(engine, name, expected):
    async with engine.connect() as db:
        rows = (await db.execute(select(inbox).where(inbox.c.consumer == name))).all()
    return rows if len(rows) >= expected else None
