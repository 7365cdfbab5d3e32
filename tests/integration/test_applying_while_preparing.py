"""A batch's prepared prefix is applied while later preparations go on (ADR 0006): a slow
preparation holds back only the messages from it on, and one still running when its
partition is let go is cancelled and done again, once, by whoever reads the partition next."""
import asyncio
import collections
import uuid

from revgen_common import ConsumerOptions, Envelope, ExactlyOnceConsumer, Staged
from revgen_common.errors import NotYet, TransientError
from revgen_testing.contracts import EffectRequested
from revgen_testing.effects import applied, create_effects_table
from revgen_testing.kafka_io import group_lag, publish
from revgen_testing.running import eventually, running
from tests.integration.test_consumer_exactly_once import _inbox_count
from tests.integration.test_staged_handlers import _apply_as


def _stage(prepare):
    return Staged(prepare=prepare, apply=_apply_as("prefix"))


async def _one_partition(engine, make_topic, kind):
    """The effects table, a topic of one partition, and a fresh group name."""
    await create_effects_table(engine)
    return await make_topic(partitions=1), f"prefix-{kind}-{uuid.uuid4().hex[:6]}"


def _consumer(name, topic, engine, infra, stage, **kafka_overrides):
    return ExactlyOnceConsumer(name=name, topics=[topic], handlers={EffectRequested: stage}, engine=engine,
                               bootstrap_servers=infra.bootstrap_servers, options=ConsumerOptions(max_batch=10),
                               **kafka_overrides)


async def test_what_is_prepared_before_a_slow_preparation_is_applied_and_committed_while_it_runs(
        infra, engine, make_topic):
    topic, name = await _one_partition(engine, make_topic, "first")
    a, b, c = (Envelope(type="EffectRequested", producer="t", key="k", payload={"seq": i}) for i in range(3))
    d = Envelope(type="EffectRequested", producer="t", key="other", payload={"seq": 3})
    prepared, b_may_end, b_ended = collections.Counter(), asyncio.Event(), asyncio.Event()

    async def prepare(event):
        prepared[event.event_id] += 1
        if event.event_id == b.event_id:
            await b_may_end.wait()  # an assistant that takes its time
            b_ended.set()
        return {"seq": event.body.seq}

    await publish(infra.bootstrap_servers, topic, [a, b, c, d])  # one batch
    async with running(_consumer(name, topic, engine, infra, _stage(prepare))):
        try:
            await eventually(lambda: _inbox_count(engine, 1), timeout=10)
            assert [row[0] for row in await applied(engine)] == [a.event_id]
            await eventually(lambda: _lag_is(infra, name, topic, 3), timeout=10)  # A's offset committed
            assert not b_ended.is_set()
        finally:
            b_may_end.set()
        await eventually(lambda: _inbox_count(engine, 4), timeout=10)

    assert [row[0] for row in await applied(engine)] == [a.event_id, b.event_id, c.event_id, d.event_id]
    assert prepared == {e.event_id: 1 for e in (a, b, c, d)}  # C and D kept what they prepared meanwhile


async def test_a_preparation_that_ends_while_the_prefix_before_it_is_applied_is_applied_next_with_its_result(
        infra, engine, make_topic):
    topic, name = await _one_partition(engine, make_topic, "race")
    a, b = (Envelope(type="EffectRequested", producer="t", key=f"k{i}", payload={"seq": i}) for i in range(2))
    prepared, b_may_end = collections.Counter(), asyncio.Event()

    async def prepare(event):
        prepared[event.event_id] += 1
        if event.event_id == b.event_id:
            await b_may_end.wait()
        return {"seq": event.body.seq}

    stage = _stage(prepare)

    async def apply(event, uow, result):
        if event.event_id == a.event_id:  # B's preparation ends after B was found running
            b_may_end.set()
            await asyncio.sleep(0.1)
        await stage.apply(event, uow, result)

    await publish(infra.bootstrap_servers, topic, [a, b])
    async with running(_consumer(name, topic, engine, infra, Staged(prepare=prepare, apply=apply))):
        await eventually(lambda: _inbox_count(engine, 2), timeout=10)

    assert [row[0] for row in await applied(engine)] == [a.event_id, b.event_id]
    assert prepared == {a.event_id: 1, b.event_id: 1}


async def test_a_message_waiting_behind_a_prefix_that_fails_is_kept_and_applied_once_the_prefix_is(
        infra, engine, make_topic):
    """B waits (paced) while A, before it, fails in its transaction: the retry holds A *and*
    B — the partition was read past both, so B dropped from memory would be lost until a
    restart (a send the CI run found missing)."""
    topic, name = await _one_partition(engine, make_topic, "behind")
    a, b = (Envelope(type="EffectRequested", producer="t", key=f"k{i}", payload={"seq": i}) for i in range(2))
    tries, insert = collections.Counter(), _apply_as("prefix")

    async def prepare(event):
        tries["prepare", event.event_id] += 1
        if event.event_id == b.event_id and tries["prepare", b.event_id] == 1:
            raise NotYet("paced", retry_after=0.3)
        return {"seq": event.body.seq}

    async def apply(event, uow, result):
        tries["apply", event.event_id] += 1
        if event.event_id == a.event_id and tries["apply", a.event_id] == 1:
            raise TransientError("the database said no, this once")
        await insert(event, uow, result)

    await publish(infra.bootstrap_servers, topic, [a, b])  # one batch
    async with running(_consumer(name, topic, engine, infra, Staged(prepare=prepare, apply=apply))):
        await eventually(lambda: _inbox_count(engine, 2), timeout=10)

    assert [row[0] for row in await applied(engine)] == [a.event_id, b.event_id]
    assert tries["apply", a.event_id] == 2 and tries["prepare", b.event_id] == 2


async def test_a_preparation_running_when_its_consumer_stops_is_cancelled_and_its_message_applied_once_later(
        infra, engine, make_topic):
    topic, name = await _one_partition(engine, make_topic, "stop")
    message = Envelope(type="EffectRequested", producer="t", key="k", payload={"seq": 1})
    prepare, calls, cancelled = _hanging_first_time()

    await publish(infra.bootstrap_servers, topic, [message])
    async with running(_consumer(name, topic, engine, infra, _stage(prepare))):
        await eventually(lambda: _true(calls[0] == 1), timeout=10)
    assert cancelled == [1]  # the stop did not wait for it
    async with running(_consumer(name, topic, engine, infra, _stage(prepare))):
        await eventually(lambda: _inbox_count(engine, 1), timeout=10)

    assert [row[0] for row in await applied(engine)] == [message.event_id]
    assert calls[0] == 2


async def test_a_preparation_running_when_its_partition_is_revoked_is_cancelled_and_its_message_applied_once(
        infra, engine, make_topic):
    topic, name = await _one_partition(engine, make_topic, "revoke")
    messages = [Envelope(type="EffectRequested", producer="t", key="k", payload={"seq": i}) for i in range(2)]
    prepare, calls, cancelled = _hanging_first_time()
    quick = {"heartbeat_interval_ms": 300}  # the first member hears of the rebalance soon

    await publish(infra.bootstrap_servers, topic, messages)
    async with running(_consumer(name, topic, engine, infra, _stage(prepare), **quick)):
        await eventually(lambda: _true(calls[0] == 1), timeout=10)
        async with running(_consumer(name, topic, engine, infra, _stage(prepare), **quick)):  # the group rebalances
            await eventually(lambda: _inbox_count(engine, 2), timeout=20)

    assert cancelled == [1]
    assert [row[0] for row in await applied(engine)] == [m.event_id for m in messages]  # once each, in order


def _hanging_first_time():
    """A prepare whose first call never ends unless cancelled; later calls answer at once."""
    calls, cancelled = [0], []

    async def prepare(event):
        calls[0] += 1
        if calls[0] == 1:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(1)
                raise
        return {"seq": event.body.seq}
    return prepare, calls, cancelled


async def _lag_is(infra, group, topic, lag):
    return await group_lag(infra.bootstrap_servers, group, topic) == lag


async def _true(value):
    return value
