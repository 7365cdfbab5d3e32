"""Re-driving dead letters once the fault is fixed: each message is applied once, however
often the re-drive runs; the inbox row the dead-lettering left does not absorb it."""
import uuid

from revgen_common import Envelope, OutboxRelay, PermanentError
from revgen_ops import audit
from revgen_ops.dead_letters import dead_letters, redrive
from revgen_testing.contracts import EffectRequested
from revgen_testing.effects import applied, create_effects_table, make_handlers
from revgen_testing.kafka_io import publish, publish_raw
from revgen_testing.running import eventually, running
from tests.integration.test_consumer_exactly_once import _dead_letters_of, consumer


async def test_a_dead_letter_redriven_twice_after_the_fix_is_applied_once(infra, engine, make_topic, dead_letter_topic):
    await create_effects_table(engine)
    topic = await make_topic(partitions=1)
    name = f"redriven-{uuid.uuid4().hex[:6]}"
    base = make_handlers(name)
    broken = [True]

    async def until_fixed(event, uow):
        if broken[0] and event.body.seq == 2:
            raise PermanentError("a bug, fixed in the next release")
        await base[EffectRequested](event, uow)

    events = [Envelope(type="EffectRequested", producer="t", key="k", payload={"seq": i}) for i in range(1, 4)]
    await publish(infra.bootstrap_servers, topic, events)
    await publish_raw(infra.bootstrap_servers, topic, b"k", b"{not json")
    relay = OutboxRelay(name=name, engine=engine, bootstrap_servers=infra.bootstrap_servers)
    c = consumer(name, topic, engine, infra, handlers={EffectRequested: until_fixed})
    async with running(c), running(relay):
        await eventually(lambda: _dead_letters_of(infra, name, dead_letter_topic, 2), timeout=30)
        letters = await dead_letters(infra.bootstrap_servers, name)
        preview = await redrive(engine, infra.bootstrap_servers, name, letters, "ops-test", execute=False)
        broken[0] = False  # the fix is deployed

        first = await redrive(engine, infra.bootstrap_servers, name, letters, "ops-test")
        await eventually(lambda: _applied_seqs(engine, [1, 3, 2]), timeout=30)
        second = await redrive(engine, infra.bootstrap_servers, name, letters, "ops-test")  # republishes nothing

    assert [d.event_id for d in preview.redriven] == [events[1].event_id]
    assert [d.event_id for d in first.redriven] == [events[1].event_id] and len(first.undecodable) == 1
    assert second.redriven == [] and [d.event_id for d in second.already_redriven] == [events[1].event_id]
    assert [r[2] for r in await applied(engine)] == [1, 3, 2]  # the re-driven one once, after the others
    (record,) = [e for e in await audit.entries(infra.bootstrap_servers, name)]  # the preview and the no-op: none
    assert record.action == "dead-letter-redrive" and record.operator == "ops-test"
    assert record.detail["letters"][0]["event_id"] == str(events[1].event_id)


async def test_dead_letters_list_with_their_reason_and_where_they_came_from(infra, engine, make_topic,
                                                                           dead_letter_topic):
    await create_effects_table(engine)
    topic = await make_topic(partitions=1)
    name = f"listed-{uuid.uuid4().hex[:6]}"
    await publish(infra.bootstrap_servers, topic, [Envelope(type="RuleBroken", producer="t", key="k")])
    relay = OutboxRelay(name=name, engine=engine, bootstrap_servers=infra.bootstrap_servers)
    async with running(consumer(name, topic, engine, infra)), running(relay):
        await eventually(lambda: _dead_letters_of(infra, name, dead_letter_topic, 1), timeout=30)
    (letter,) = await dead_letters(infra.bootstrap_servers, name)
    assert (letter.topic, letter.original_partition, letter.original_offset) == (topic, 0, 0)
    assert letter.error_class == "PermanentError" and "breaks a rule" in letter.error_message
    assert letter.event_type == "RuleBroken" and letter.matches(letter.address) and letter.matches(str(letter.event_id))


async def _applied_seqs(engine, expected):
    return [r[2] for r in await applied(engine)] == expected
