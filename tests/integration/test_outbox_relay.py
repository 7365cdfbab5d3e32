"""The outbox relay against a real broker and database."""
import asyncio
import uuid

from sqlalchemy import select, text

from revgen_common import Envelope, OutboxRelay, UnitOfWork
from revgen_common.db import outbox
from revgen_testing.kafka_io import read_all
from revgen_testing.running import eventually, running


async def write_rows(engine, topic, count, first=0):
    """`count` rows in one transaction, numbered from `first` in commit order."""
    async with UnitOfWork(engine) as uow:
        for n in range(first, first + count):
            uow.publish_envelope(topic, Envelope(type="Thing", producer="test", key=f"k{n % 7}", payload={"n": n}))
        await uow.commit()


async def test_an_idle_relay_is_woken_by_the_commit_not_by_its_poll(infra, engine, make_topic):
    topic = await make_topic()
    relay = OutboxRelay(name=f"idle-{uuid.uuid4().hex[:6]}", engine=engine,
                        bootstrap_servers=infra.bootstrap_servers, idle_poll_seconds=60)
    async with running(relay):
        await asyncio.sleep(1)  # let it go idle, waiting up to 60 s for work
        await write_rows(engine, topic, 3)
        # Well before the 60 s poll: only the LISTEN/NOTIFY wake-up can explain it.
        await eventually(lambda: _has(infra, topic, 3), timeout=20)


async def test_a_relay_whose_listening_connection_is_killed_listens_again(infra, engine, make_topic):
    """After a database restart (here: its LISTEN backend terminated) commits still wake the
    relay; without listening again they would wait for its 60 s poll."""
    topic = await make_topic()
    relay = OutboxRelay(name=f"relisten-{uuid.uuid4().hex[:6]}", engine=engine,
                        bootstrap_servers=infra.bootstrap_servers, idle_poll_seconds=60)
    async with running(relay):
        await write_rows(engine, topic, 1)
        await eventually(lambda: _has(infra, topic, 1), timeout=20)
        async with engine.begin() as db:
            killed = (await db.execute(text("""SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                                               WHERE datname = current_database() AND query ILIKE 'LISTEN%'"""))).all()
        assert killed  # the relay's listener
        await asyncio.sleep(1)
        await write_rows(engine, topic, 2, first=1)  # wakes the relay only if it listens again ...
        await asyncio.sleep(0.5)
        await write_rows(engine, topic, 2, first=3)  # ... (the first may find it busy reconnecting)
        await eventually(lambda: _has(infra, topic, 5), timeout=20)


async def test_several_relays_on_one_database_publish_each_row_once_in_order_per_key(infra, engine, make_topic):
    topic = await make_topic()
    relays = [OutboxRelay(name=f"many-{n}", engine=engine, bootstrap_servers=infra.bootstrap_servers,
                          batch_size=25) for n in range(3)]
    async with running(relays[0]), running(relays[1]), running(relays[2]):
        for batch in range(10):
            await write_rows(engine, topic, 50, first=batch * 50)
        await eventually(lambda: _has(infra, topic, 500), timeout=60)
        await asyncio.sleep(1)  # room for a (wrong) second copy to arrive

    records = await read_all(infra.bootstrap_servers, topic)
    events = [Envelope.from_bytes(r.value) for r in records]
    assert len(events) == 500 and len({e.event_id for e in events}) == 500
    by_key: dict[str, list[int]] = {}
    for event in events:  # read_all returns each partition in offset order
        by_key.setdefault(event.key, []).append(event.payload["n"])
    assert all(numbers == sorted(numbers) for numbers in by_key.values())


async def _has(infra, topic, count):
    return len(await read_all(infra.bootstrap_servers, topic, idle_seconds=0.2)) >= count


async def test_a_row_kafka_refuses_for_good_is_parked_and_the_rows_behind_it_still_go_out(infra, engine, make_topic):
    topic = await make_topic(partitions=1)
    too_large = b"x" * (3 * 1024 * 1024)  # over the producer's and the broker's limits
    async with UnitOfWork(engine) as uow:
        uow.publish_envelope(topic, Envelope(type="Thing", producer="test", key="k", payload={"n": 0}))
        uow.publish_envelope(topic, Envelope(type="Huge", producer="test", key="k"), value=too_large)
        uow.publish_envelope(topic, Envelope(type="Thing", producer="test", key="k", payload={"n": 2}))
        await uow.commit()
    async with running(OutboxRelay(name=f"park-{uuid.uuid4().hex[:6]}", engine=engine,
                                   bootstrap_servers=infra.bootstrap_servers)):
        await eventually(lambda: _has(infra, topic, 2), timeout=30)
        await asyncio.sleep(0.5)

    records = await read_all(infra.bootstrap_servers, topic)
    assert [Envelope.from_bytes(r.value).payload["n"] for r in records] == [0, 2]
    async with engine.connect() as connection:
        rows = (await connection.execute(select(outbox.c.published_at, outbox.c.parked_at, outbox.c.park_reason)
                                         .order_by(outbox.c.id))).all()
    assert [r.published_at is not None for r in rows] == [True, False, True]
    assert rows[1].parked_at is not None and "MessageSizeTooLarge" in rows[1].park_reason
