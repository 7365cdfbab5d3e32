"""A CancelledError is not a stop. Raised inside a handler or a preparation whose task nobody
cancelled (it awaited something another task cancelled), it is a failure like any other:
the message is tried again with backoff and dead-lettered in the end, and nothing read
behind it is skipped. And a stop that comes while a worker looks up its inbox finds no
preparation started behind its back to wait for."""
import asyncio
import collections

from sqlalchemy import select

from revgen_common import ConsumerOptions, Envelope, ExactlyOnceConsumer, Staged
from revgen_common.consumer import inbox as inbox_module
from revgen_common.db import inbox
from revgen_common.errors import Backoff
from revgen_testing.contracts import EffectRequested
from revgen_testing.effects import applied
from revgen_testing.kafka_io import publish
from revgen_testing.running import eventually, running
from tests.integration.test_applying_while_preparing import _consumer, _hanging_first_time, _one_partition, _stage
from tests.integration.test_consumer_exactly_once import _inbox_count
from tests.integration.test_staged_handlers import _apply_as


async def test_a_handler_cancelled_from_inside_is_tried_again_and_the_message_behind_it_is_not_skipped(
        infra, engine, make_topic):
    topic, name = await _one_partition(engine, make_topic, "cancel-apply")
    a, b = (Envelope(type="EffectRequested", producer="t", key=f"k{i}", payload={"seq": i}) for i in range(2))
    applies, insert = collections.Counter(), _apply_as("cancel")

    async def prepare(event):
        return {"seq": event.body.seq}

    async def apply(event, ctx, result):
        applies[event.event_id] += 1
        if event.event_id == a.event_id and applies[a.event_id] == 1:
            raise asyncio.CancelledError()  # as awaiting a task that someone else cancelled does
        await insert(event, ctx, result)

    await publish(infra.bootstrap_servers, topic, [a, b])  # one batch
    async with running(_consumer(name, topic, engine, infra, Staged(prepare=prepare, apply=apply))):
        await eventually(lambda: _inbox_count(engine, 2), timeout=10)

    assert [row[0] for row in await applied(engine)] == [a.event_id, b.event_id]
    assert applies[a.event_id] == 2


async def test_a_preparation_always_cancelled_from_inside_is_dead_lettered_not_tried_again_at_once_for_ever(
        infra, engine, make_topic):
    topic, name = await _one_partition(engine, make_topic, "cancel-prepare")
    message = Envelope(type="EffectRequested", producer="t", key="k", payload={"seq": 1})
    prepares = [0]

    async def prepare(event):
        prepares[0] += 1
        raise asyncio.CancelledError()

    consumer = ExactlyOnceConsumer(name=name, topics=[topic], handlers={EffectRequested: _stage(prepare)},
                                   engine=engine, bootstrap_servers=infra.bootstrap_servers,
                                   options=ConsumerOptions(max_attempts_for_unexpected_errors=3,
                                                           backoff=Backoff(initial=0.05, maximum=0.2)))
    await publish(infra.bootstrap_servers, topic, [message])
    async with running(consumer):
        await eventually(lambda: _outcome_of(engine, message, "dead_lettered"), timeout=10)

    assert prepares[0] == 3  # three tries with backoff between them, then given up


async def test_a_stop_while_a_worker_looks_up_its_inbox_does_not_wait_for_a_preparation_started_after_it(
        infra, engine, make_topic, monkeypatch):
    topic, name = await _one_partition(engine, make_topic, "cancel-drain")
    message = Envelope(type="EffectRequested", producer="t", key="k", payload={"seq": 1})
    prepare, calls, _ = _hanging_first_time()  # a provider that never answers
    reached, gate = asyncio.Event(), asyncio.Event()
    looked_up = inbox_module.already_applied

    async def slow_lookup(*args):
        reached.set()
        await gate.wait()
        return await looked_up(*args)

    monkeypatch.setattr(inbox_module, "already_applied", slow_lookup)
    await publish(infra.bootstrap_servers, topic, [message])
    stop = asyncio.Event()
    task = asyncio.create_task(_consumer(name, topic, engine, infra, _stage(prepare)).run(stop))
    await asyncio.wait_for(reached.wait(), timeout=10)
    stop.set()
    await asyncio.sleep(0.3)  # the stop has cancelled the preparations running (none yet)
    gate.set()
    await asyncio.wait_for(task, timeout=5)  # before: it waited for the provider for ever

    assert calls[0] == 0  # nothing was started behind the stop's back
    assert await applied(engine) == []  # and nothing applied: the next reader prepares it


async def _outcome_of(engine, envelope: Envelope, outcome: str) -> bool:
    async with engine.connect() as connection:
        found = await connection.scalar(select(inbox.c.outcome).where(inbox.c.event_id == envelope.event_id))
    return found == outcome
