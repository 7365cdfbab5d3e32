"""The consumer runtime against a real broker and a real PostgreSQL."""
import asyncio
import uuid

from sqlalchemy import func, select, text

from revgen_common import ConsumerOptions, Envelope, ExactlyOnceConsumer, OutboxRelay, TransientError
from revgen_common.db import inbox, outbox
from revgen_common.errors import Backoff, NotYet
from revgen_common.topics import ALL_TOPICS
from revgen_testing.contracts import EffectRequested
from revgen_testing.effects import applied, applied_count, create_effects_table, effect_requests, make_handlers
from revgen_testing.kafka_io import publish, publish_raw, read_all
from revgen_testing.running import eventually, running


def consumer(name, topic, engine, infra, handlers=None, **options):
    return ExactlyOnceConsumer(
        name=name, topics=[topic], handlers=handlers or make_handlers(name), engine=engine,
        bootstrap_servers=infra.bootstrap_servers, options=ConsumerOptions(**options),
    )


async def test_the_same_event_delivered_five_times_has_exactly_one_effect(infra, engine, make_topic):
    await create_effects_table(engine)
    topic = await make_topic()
    events = effect_requests(20, keys=4)
    await publish(infra.bootstrap_servers, topic, events * 5)

    async with running(consumer(f"dup-{uuid.uuid4().hex[:6]}", topic, engine, infra, max_batch=7)):
        await eventually(lambda: _inbox_count(engine, 20))
        await asyncio.sleep(0.5)  # give any (wrong) extra effect time to land

    rows = await applied(engine)
    assert sorted(r[0] for r in rows) == sorted(e.event_id for e in events)


async def test_a_poison_message_is_dead_lettered_with_its_reason_and_the_partition_keeps_flowing(
        infra, engine, make_topic, dead_letter_topic):
    await create_effects_table(engine)
    topic = await make_topic(partitions=1)
    name = f"poison-{uuid.uuid4().hex[:6]}"
    before = effect_requests(3, keys=1)
    after = effect_requests(3, keys=1)
    await publish(infra.bootstrap_servers, topic, before)
    await publish_raw(infra.bootstrap_servers, topic, b"key-0", b"{not json")
    await publish(infra.bootstrap_servers, topic, [
        Envelope(type="RuleBroken", producer="test", key="key-0")])
    await publish(infra.bootstrap_servers, topic, after)

    c = consumer(name, topic, engine, infra)
    async with running(c), running(OutboxRelay(name=name, engine=engine, bootstrap_servers=infra.bootstrap_servers)):
        await eventually(lambda: _inbox_count(engine, 8))
        letters = await eventually(lambda: _dead_letters_of(infra, name, dead_letter_topic, 2))

    assert await applied_count(engine) == 6  # everything around the poison got through
    by_offset = {int(h["dlq.original.offset"]): (h, r) for h, r in letters}
    assert sorted(by_offset) == [3, 4]
    undecodable, broken = by_offset[3], by_offset[4]
    assert undecodable[0]["dlq.error.class"] == "UndecodableMessage"
    assert undecodable[1].value == b"{not json"  # the original bytes, ready to replay
    assert broken[0]["dlq.error.class"] == "PermanentError"
    assert "breaks a rule" in broken[0]["dlq.error.message"]
    assert broken[0]["dlq.original.topic"] == topic and broken[0]["dlq.original.partition"] == "0"


async def test_a_transient_failure_pauses_only_its_partition_and_honours_retry_after(infra, engine, make_topic):
    await create_effects_table(engine)
    topic = await make_topic(partitions=2)
    name = f"transient-{uuid.uuid4().hex[:6]}"
    attempts: list[float] = []
    base = make_handlers(name)

    async def flaky(event, uow):
        if event.envelope.key == "slow" and len(attempts) < 2:
            attempts.append(asyncio.get_running_loop().time())
            raise TransientError("provider said 429", retry_after=1.0)
        await base[EffectRequested](event, uow)

    slow = [Envelope(type="EffectRequested", producer="t", key="slow", payload={"seq": 1})]
    others = [Envelope(type="EffectRequested", producer="t", key=f"k{i}", payload={"seq": 1}) for i in range(40)]
    await publish(infra.bootstrap_servers, topic, slow + others)

    async with running(consumer(name, topic, engine, infra, handlers={EffectRequested: flaky})):
        await eventually(lambda: _inbox_count(engine, 41), timeout=30)

    assert len(attempts) == 2
    assert attempts[1] - attempts[0] >= 1.0  # Retry-After is a floor, never shortened
    assert await applied_count(engine) == 41  # nothing lost, nothing doubled


async def test_only_unexpected_errors_count_towards_dead_lettering_not_the_outage_before_them(
        infra, engine, make_topic):
    """Four tries through an outage (transient), then one unexpected error: the message is
    tried again and applied. Counted together, the fifth try would dead-letter it at once."""
    await create_effects_table(engine)
    topic = await make_topic(partitions=1)
    name = f"outage-then-bug-{uuid.uuid4().hex[:6]}"
    failures = [TransientError("the database is restarting")] * 4 + [RuntimeError("a bug, this once")]
    base = make_handlers(name)

    async def outage_then_bug(event, uow):
        if failures:
            raise failures.pop(0)
        await base[EffectRequested](event, uow)

    await publish(infra.bootstrap_servers, topic, effect_requests(1, keys=1))
    async with running(consumer(name, topic, engine, infra, handlers={EffectRequested: outage_then_bug},
                                backoff=Backoff(initial=0.05, maximum=0.2))):
        await eventually(lambda: _inbox_count(engine, 1), timeout=20)

    assert failures == [] and await applied_count(engine) == 1  # applied, not dead-lettered


async def test_a_message_our_own_pacing_defers_waits_as_told_and_never_escalates_into_backoff(
        infra, engine, make_topic):
    """NotYet is a schedule, not a failure: deferred eight times, the message is asked again
    every ~0.3 s. Counted as failures, the eighth wait alone would be 12.8-25.6 s."""
    tries = await _tries_of_a_deferred_message(infra, engine, make_topic, deferrals=8, wait=0.3)

    gaps = [later - earlier for earlier, later in zip(tries, tries[1:])]
    assert len(gaps) == 8 and min(gaps) >= 0.3, gaps  # the wait is honoured, never shortened
    assert max(gaps) < 2.0, gaps


async def test_a_waiting_message_is_tried_again_from_memory_without_waiting_for_a_fetch(infra, engine, make_topic):
    """The records a wait holds back are kept, not re-read: with the broker's long-poll
    stretched to 10 s (an idle partition keeps one in flight, and aiokafka sends one fetch
    per broker at a time), a re-read would wait it out before every try."""
    tries = await _tries_of_a_deferred_message(infra, engine, make_topic, deferrals=3, wait=0.2, partitions=2,
                                               fetch_max_wait_ms=10_000)

    gaps = [later - earlier for earlier, later in zip(tries, tries[1:])]
    assert len(gaps) == 3 and all(0.2 <= gap < 1.0 for gap in gaps), gaps


async def _tries_of_a_deferred_message(infra, engine, make_topic, *, deferrals: int, wait: float,
                                       partitions: int = 1, **kafka_overrides) -> list[float]:
    """One message whose handler says NotYet(wait) `deferrals` times, then applies it (once);
    returns when each try began."""
    await create_effects_table(engine)
    topic = await make_topic(partitions=partitions)
    name = f"deferred-{uuid.uuid4().hex[:6]}"
    tries: list[float] = []
    base = make_handlers(name)

    async def paced(event, uow):
        tries.append(asyncio.get_running_loop().time())
        if len(tries) <= deferrals:
            raise NotYet("paced", retry_after=wait)
        await base[EffectRequested](event, uow)

    await publish(infra.bootstrap_servers, topic, [Envelope(type="EffectRequested", producer="t", key="k",
                                                            payload={"seq": 1})])
    deferring = ExactlyOnceConsumer(name=name, topics=[topic], handlers={EffectRequested: paced}, engine=engine,
                                    bootstrap_servers=infra.bootstrap_servers, **kafka_overrides)
    async with running(deferring):
        await eventually(lambda: _inbox_count(engine, 1), timeout=60)
    assert await applied_count(engine) == 1
    return tries


async def test_inbox_rows_outlive_every_topics_retention_then_are_pruned_in_chunks(infra, engine, make_topic):
    topic = await make_topic()
    c = consumer(f"pruned-{uuid.uuid4().hex[:6]}", topic, engine, infra)
    keep = c.options.inbox_keep_seconds
    assert keep > max(t.retention_ms for t in ALL_TOPICS) / 1000  # a replay from the earliest offset is absorbed
    rows = [(c.name, keep + 3600)] * 3 + [(c.name, keep - 3600), ("another-consumer", keep + 3600)]
    async with engine.begin() as db:
        for name, age in rows:
            await db.execute(text("""INSERT INTO inbox (consumer, event_id, topic, partition, "offset", processed_at)
                                     VALUES (:c, :e, :t, 0, 0, now() - make_interval(secs => :age))"""),
                             {"c": name, "e": uuid.uuid4(), "t": topic, "age": age})

    assert await c.prune_inbox(chunk=2) == 3
    async with engine.connect() as db:
        left = (await db.execute(text("SELECT consumer FROM inbox ORDER BY consumer"))).scalars().all()
    assert sorted(left) == sorted([c.name, "another-consumer"])  # the recent row, and nobody else's


async def test_outbox_rows_are_published_with_their_event_id_and_marked(infra, engine, make_topic):
    await create_effects_table(engine)
    source, sink = await make_topic(), await make_topic()
    name = f"relay-{uuid.uuid4().hex[:6]}"
    await publish(infra.bootstrap_servers, source, effect_requests(50, keys=5))

    c = consumer(name, source, engine, infra, handlers=make_handlers(name, forward_to=sink))
    async with running(c), running(OutboxRelay(name=name, engine=engine, bootstrap_servers=infra.bootstrap_servers)):
        await eventually(lambda: _unpublished(engine, expect_zero_of=50))

    records = await read_all(infra.bootstrap_servers, sink)
    async with engine.connect() as connection:
        ids = set((await connection.execute(select(outbox.c.event_id))).scalars())
    assert {Envelope.from_bytes(r.value).event_id for r in records} == ids and len(records) == 50


async def _inbox_count(engine, expected):
    async with engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(inbox)) >= expected


async def _unpublished(engine, expect_zero_of):
    async with engine.connect() as connection:
        total = await connection.scalar(select(func.count()).select_from(outbox))
        waiting = await connection.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None)))
    return total == expect_zero_of and waiting == 0


async def _dead_letters_of(infra, consumer_name, topic, expected):
    records = await read_all(infra.bootstrap_servers, topic)
    mine = []
    for record in records:
        headers = {k: v.decode() for k, v in record.headers}
        if headers.get("dlq.consumer") == consumer_name:
            mine.append((headers, record))
    return mine if len(mine) >= expected else None
