"""Lag as the brokers see it: it works with the group down, and its status follows the
group's behaviour over the window of its commits (lag_rules, docs/operations/lag.md)."""
import asyncio
import uuid

from ops_testing import brokers_now
from revgen_common import ConsumerOptions, ExactlyOnceConsumer
from revgen_common.testing.clock import FakeClock
from revgen_ops.lag import observe
from revgen_ops.lag_rules import Status, Window
from revgen_testing.contracts import EffectRequested
from revgen_testing.effects import create_effects_table, effect_requests, make_handlers
from revgen_testing.kafka_io import publish
from revgen_testing.running import eventually, running


def _consumer(name, topic, engine, infra, handlers=None, **options):
    return ExactlyOnceConsumer(name=name, topics=[topic], handlers=handlers or make_handlers(name), engine=engine,
                               bootstrap_servers=infra.bootstrap_servers, options=ConsumerOptions(**options))


async def _lag_of(infra, group, topic, clock, window):
    (observed,) = await observe(infra.bootstrap_servers, [group], window, clock)
    return observed, [p for p in observed.partitions if p.topic == topic]


async def test_a_stopped_groups_lag_and_time_lag_grow_while_messages_arrive_and_it_turns_stop(
        infra, engine, make_topic):
    await create_effects_table(engine)
    topic = await make_topic(partitions=2)
    group = f"stopped-{uuid.uuid4().hex[:6]}"
    window = Window(seconds=5)
    clock = FakeClock(brokers_now())
    await publish(infra.bootstrap_servers, topic, effect_requests(4, keys=2))
    async with running(_consumer(group, topic, engine, infra)):
        await eventually(lambda: _caught_up(infra, group, topic, clock, window))
    # The group is down from here on: nothing inside it can report anything.

    await publish(infra.bootstrap_servers, topic, effect_requests(6, keys=2))
    clock.now = brokers_now()
    first, _ = await _lag_of(infra, group, topic, clock, window)
    await publish(infra.bootstrap_servers, topic, effect_requests(10, keys=2))
    clock.advance(seconds=2)
    second, _ = await _lag_of(infra, group, topic, clock, window)
    clock.advance(seconds=window.seconds)
    third, partitions = await _lag_of(infra, group, topic, clock, window)

    assert first.members == () and first.state == "Empty"
    assert (first.lag, second.lag, third.lag) == (6, 16, 16)
    assert 0 <= first.lag_seconds < second.lag_seconds < third.lag_seconds
    assert first.status is Status.OK  # it committed within the window: not stopped yet
    assert third.status is Status.STOP
    assert {p.status for p in partitions} == {Status.STOP}
    assert all("waiting" in p.reason for p in partitions)


async def test_a_group_that_never_started_shows_its_backlog_as_stop(infra, make_topic):
    topic = await make_topic(partitions=1)
    await publish(infra.bootstrap_servers, topic, effect_requests(3, keys=1))
    clock = FakeClock(brokers_now())
    clock.advance(seconds=10)
    (observed,) = await observe(infra.bootstrap_servers, [f"never-{uuid.uuid4().hex[:6]}"], Window(seconds=5), clock)
    # A group the brokers never heard of has no topics: the services' groups are declared.
    assert observed.partitions == ()


async def test_a_slowed_consumer_shows_warn_then_recovers_to_ok(infra, engine, make_topic):
    await create_effects_table(engine)
    topic = await make_topic(partitions=1)
    group = f"slowed-{uuid.uuid4().hex[:6]}"
    base = make_handlers(group)
    slow = [True]

    async def slowed(event, uow):
        if slow[0]:
            await asyncio.sleep(0.1)  # ~10 messages a second, one per batch
        await base[EffectRequested](event, uow)

    window = Window(seconds=3, max_samples=5)
    clock = FakeClock(brokers_now())
    async with running(_consumer(group, topic, engine, infra, handlers={EffectRequested: slowed}, max_batch=1)):
        for _ in range(15):  # ~40 messages a second for 4.5 s: four times what it takes
            await publish(infra.bootstrap_servers, topic, effect_requests(12, keys=1))
            await asyncio.sleep(0.3)
        clock.now = brokers_now()
        behind, (partition,) = await _lag_of(infra, group, topic, clock, window)
        slow[0] = False  # the cause goes away

        async def recovered():
            clock.now = brokers_now()
            return (await _lag_of(infra, group, topic, clock, window))[0].status is Status.OK
        await eventually(recovered, timeout=30, interval=0.5)

    assert behind.status is Status.WARN, partition.reason
    assert "lag grew" in partition.reason
    assert partition.owner is not None  # a member held it: slow, not stopped


async def _caught_up(infra, group, topic, clock, window):
    clock.now = brokers_now()
    observed, _ = await _lag_of(infra, group, topic, clock, window)
    return observed.partitions and observed.lag == 0
