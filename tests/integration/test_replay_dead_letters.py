"""Replaying dead letters once the fault is fixed: each message is applied once, however
often the replay runs; the inbox row the dead-lettering left does not absorb it."""
import uuid

from revgen_common import Envelope, OutboxRelay, PermanentError
from revgen_common.replay import replay
from tests.integration.test_consumer_exactly_once import _dead_letters_of, consumer
from tests.support.effects import applied, create_effects_table, make_handlers
from tests.support.kafka_io import publish, publish_raw
from tests.support.running import eventually, running


async def test_a_dead_letter_replayed_after_the_fix_is_applied_once_and_a_second_replay_changes_nothing(
        infra, engine, make_topic, dead_letter_topic):
    await create_effects_table(engine)
    topic = await make_topic(partitions=1)
    name = f"replayed-{uuid.uuid4().hex[:6]}"
    base = make_handlers(name)
    broken = [True]

    async def until_fixed(event, uow):
        if broken[0] and event.payload["seq"] == 2:
            raise PermanentError("a bug, fixed in the next release")
        await base["EffectRequested"](event, uow)

    events = [Envelope(type="EffectRequested", producer="t", key="k", payload={"seq": i}) for i in range(1, 4)]
    await publish(infra.bootstrap_servers, topic, events)
    await publish_raw(infra.bootstrap_servers, topic, b"k", b"{not json")
    relay = OutboxRelay(name=name, engine=engine, bootstrap_servers=infra.bootstrap_servers)
    c = consumer(name, topic, engine, infra, handlers={"EffectRequested": until_fixed})
    async with running(c), running(relay):
        await eventually(lambda: _dead_letters_of(infra, name, dead_letter_topic, 2), timeout=30)
        broken[0] = False  # the fix is deployed

        first = await replay(engine, infra.bootstrap_servers, name)
        await eventually(lambda: _applied_seqs(engine, [1, 3, 2]), timeout=30)
        second = await replay(engine, infra.bootstrap_servers, name)  # republishes nothing: see below

    assert first.replayed == [events[1].event_id] and len(first.undecodable) == 1
    assert second.replayed == [] and second.already_replayed == [events[1].event_id]
    assert [r[2] for r in await applied(engine)] == [1, 3, 2]  # the replayed one once, after the others


async def _applied_seqs(engine, expected):
    return [r[2] for r in await applied(engine)] == expected
