"""Staged handlers: the slow part of a batch's messages runs at once across keys, in order
within a key, before the batch's transaction; a failure stops the batch at that message,
and nothing already applied is prepared again."""
import asyncio
import collections
import uuid

from sqlalchemy import insert

from revgen_common import Envelope, PermanentError, Staged, TransientError
from revgen_testing.contracts import EffectRequested
from revgen_testing.effects import applied, create_effects_table, effect_requests, effects
from revgen_testing.kafka_io import publish
from revgen_testing.running import eventually, running
from tests.integration.test_consumer_exactly_once import _inbox_count, consumer


def _apply_as(name):
    async def apply(event, uow, prepared):
        await uow.connection.execute(insert(effects).values(
            event_id=event.event_id, key=event.envelope.key, seq=prepared["seq"], consumer=name))
    return apply


async def test_preparations_run_together_across_keys_and_one_at_a_time_within_a_key(infra, engine, make_topic):
    await create_effects_table(engine)
    topic = await make_topic(partitions=1)
    name = f"staged-{uuid.uuid4().hex[:6]}"
    events = effect_requests(12, keys=4)
    in_flight, per_key = [0], collections.Counter()
    most_at_once, most_per_key, started = [0], [0], collections.defaultdict(list)

    async def prepare(event):
        in_flight[0] += 1
        per_key[event.envelope.key] += 1
        most_at_once[0] = max(most_at_once[0], in_flight[0])
        most_per_key[0] = max(most_per_key[0], per_key[event.envelope.key])
        started[event.envelope.key].append(event.body.seq)
        await asyncio.sleep(0.2)  # a provider's answer
        in_flight[0] -= 1
        per_key[event.envelope.key] -= 1
        return {"seq": event.body.seq}

    await publish(infra.bootstrap_servers, topic, events)
    stage = Staged(prepare=prepare, apply=_apply_as(name))
    async with running(consumer(name, topic, engine, infra, handlers={EffectRequested: stage}, max_batch=12)):
        await eventually(lambda: _inbox_count(engine, 12), timeout=30)

    assert most_at_once[0] >= 2  # keys do not wait for each other
    assert most_per_key[0] == 1  # a key's messages do
    assert all(seqs == sorted(seqs) for seqs in started.values()), started
    rows = await applied(engine)  # applied in offset order, each once, with what prepare returned
    assert [(r[0], r[2]) for r in rows] == [(e.event_id, e.payload["seq"]) for e in events]


async def test_a_failed_preparation_stops_the_batch_there_and_nothing_is_prepared_twice_but_it(
        infra, engine, make_topic):
    await create_effects_table(engine)
    topic = await make_topic(partitions=1)
    name = f"staged-fail-{uuid.uuid4().hex[:6]}"
    events = [Envelope(type="EffectRequested", producer="t", key=f"k{i}", payload={"seq": i}) for i in range(6)]
    prepared = collections.Counter()

    async def prepare(event):
        prepared[event.event_id] += 1
        if event.body.seq == 2 and prepared[event.event_id] == 1:
            raise TransientError("provider said 503", retry_after=0.1)
        return {"seq": event.body.seq}

    await publish(infra.bootstrap_servers, topic, events + [events[0]])  # the first one delivered again last
    stage = Staged(prepare=prepare, apply=_apply_as(name))
    async with running(consumer(name, topic, engine, infra, handlers={EffectRequested: stage}, max_batch=10)):
        await eventually(lambda: _inbox_count(engine, 6), timeout=30)
        await asyncio.sleep(0.5)  # the redelivered first event is read too

    rows = await applied(engine)
    assert [r[0] for r in rows] == [e.event_id for e in events]  # each once, in order, none lost
    assert prepared[events[0].event_id] == prepared[events[1].event_id] == 1  # applied: never prepared again
    assert prepared[events[2].event_id] == 2  # failed, then prepared again when retried
    # prepared while it waited behind the failure: its result is reused, the provider asked once
    assert prepared[events[3].event_id] == prepared[events[4].event_id] == prepared[events[5].event_id] == 1


async def test_after_a_preparation_is_dead_lettered_the_next_message_of_its_key_is_prepared_and_applied(
        infra, engine, make_topic):
    await create_effects_table(engine)
    topic = await make_topic(partitions=1)
    name = f"staged-poison-{uuid.uuid4().hex[:6]}"
    events = [Envelope(type="EffectRequested", producer="t", key="k", payload={"seq": i}) for i in range(3)]

    async def prepare(event):
        if event.body.seq == 1:
            raise PermanentError("the provider refused this one for good")
        return {"seq": event.body.seq}

    await publish(infra.bootstrap_servers, topic, events)
    stage = Staged(prepare=prepare, apply=_apply_as(name))
    async with running(consumer(name, topic, engine, infra, handlers={EffectRequested: stage}, max_batch=10)):
        await eventually(lambda: _inbox_count(engine, 3), timeout=30)

    assert [r[2] for r in await applied(engine)] == [0, 2]  # 1 dead-lettered, 2 not held up by it
