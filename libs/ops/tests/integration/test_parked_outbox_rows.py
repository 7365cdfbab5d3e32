"""Parked outbox rows: retried once the cause is fixed (the relay publishes them), or
dropped; either touches parked rows only, so doing it twice changes nothing more."""
import uuid

from sqlalchemy import text

from revgen_common import Envelope, OutboxRelay
from revgen_common.outbox import outbox_row, write_outbox
from revgen_ops import audit
from revgen_ops.parked_outbox import drop, parked, retry
from revgen_testing.kafka_io import read_all
from revgen_testing.running import eventually, running


async def _park(engine, topic: str) -> int:
    message = Envelope(type="SomethingHappened", producer="t", key="k")
    async with engine.begin() as db:
        await write_outbox(db, [outbox_row(topic, message)])
        return await db.scalar(text("""UPDATE outbox SET parked_at = now(), park_reason = 'InvalidTopicError()'
                                       WHERE event_id = :id RETURNING id"""), {"id": message.event_id})


async def test_a_parked_row_retried_is_published_once_and_a_dropped_one_is_gone(infra, engine, make_topic):
    topic = await make_topic(partitions=1)
    service = f"svc-{uuid.uuid4().hex[:6]}"
    kept, dropped = await _park(engine, topic), await _park(engine, topic)
    listed = await parked(engine)
    relay = OutboxRelay(name=service, engine=engine, bootstrap_servers=infra.bootstrap_servers, idle_poll_seconds=0.2)
    async with running(relay):
        assert await retry(engine, infra.bootstrap_servers, service, [kept], "ops-test") == [kept]
        assert await retry(engine, infra.bootstrap_servers, service, [kept], "ops-test") == []  # no longer parked
        assert await drop(engine, infra.bootstrap_servers, service, [dropped, kept], "ops-test") == [dropped]
        await eventually(lambda: _published(infra, topic, 1), timeout=20)

    assert [(r.id, r.event_type, r.reason) for r in listed] == [
        (kept, "SomethingHappened", "InvalidTopicError()"), (dropped, "SomethingHappened", "InvalidTopicError()")]
    assert await parked(engine) == []
    assert len(await read_all(infra.bootstrap_servers, topic)) == 1
    actions = [(e.action, e.detail["outbox_ids"]) for e in await audit.entries(infra.bootstrap_servers, service)]
    assert actions == [("outbox-retry", [kept]), ("outbox-retry", [kept]), ("outbox-drop", sorted([dropped, kept]))]


async def _published(infra, topic, count):
    return len(await read_all(infra.bootstrap_servers, topic, timeout=5)) == count
