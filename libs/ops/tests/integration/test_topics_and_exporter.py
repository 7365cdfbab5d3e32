"""`revgen topics` reads partitions, retention, size and offsets from the brokers; the lag
exporter serves every group's lag, time lag and status, a stopped group included."""
import uuid

from prometheus_client import REGISTRY

from ops_testing import brokers_now
from revgen_common.testing.clock import FakeClock
from revgen_common.topics import DEAD_LETTERS, OPERATIONS_AUDIT, ensure_topics
from revgen_ops.exporter import Exporter
from revgen_ops.lag_rules import Status, Window
from revgen_ops.topics import describe
from revgen_testing.effects import effect_requests
from revgen_testing.kafka_io import publish, start_group_at_end


async def test_topics_show_partitions_retention_size_and_offsets(infra, make_topic, dead_letter_topic):
    await ensure_topics(infra.bootstrap_servers, (OPERATIONS_AUDIT,))
    topic = await make_topic(partitions=3)
    await publish(infra.bootstrap_servers, topic, effect_requests(9, keys=3))
    found = {t.name: t for t in await describe(infra.bootstrap_servers)}
    mine = found[topic]
    assert mine.partitions == 3 and sum(mine.end_offsets) == 9 and mine.messages == 9
    assert mine.retention_ms == 7 * 86_400_000 and mine.cleanup_policy == "delete" and not mine.declared
    assert mine.size_bytes is not None and mine.size_bytes > 9 * 100  # nine envelopes on disk
    assert found[DEAD_LETTERS.name].declared and found[OPERATIONS_AUDIT.name].retention_ms == -1
    assert "__consumer_offsets" not in found


async def test_the_exporter_serves_a_stopped_groups_lag_and_status(infra, make_topic):
    topic = await make_topic(partitions=2)
    group = f"exported-{uuid.uuid4().hex[:6]}"
    await start_group_at_end(infra.bootstrap_servers, group, [topic])  # committed once, then never again
    await publish(infra.bootstrap_servers, topic, effect_requests(5, keys=2))
    clock = FakeClock(brokers_now())
    clock.advance(seconds=10)  # the messages have waited longer than the window, uncommitted
    exporter = Exporter(infra.bootstrap_servers, Window(seconds=5), groups=[group], clock=clock)
    observed = await exporter.read_once()

    labels = [{"consumergroup": group, "topic": topic, "partition": str(p)} for p in range(2)]
    assert sum(REGISTRY.get_sample_value("kafka_consumergroup_lag", label) for label in labels) == 5
    assert all(REGISTRY.get_sample_value("kafka_consumergroup_lag_seconds", label) > 5 for label in labels)
    assert {REGISTRY.get_sample_value("kafka_consumergroup_status", label) for label in labels} == {float(Status.STOP)}
    assert {p.status for p in observed[0].partitions} == {Status.STOP}
    assert REGISTRY.get_sample_value("kafka_consumergroup_members", {"consumergroup": group}) == 0
    assert REGISTRY.get_sample_value("revgen_lag_exporter_last_success_timestamp_seconds") <= brokers_now().timestamp()

    exporter.publish([])  # the group is gone: its series go too
    assert REGISTRY.get_sample_value("kafka_consumergroup_lag", labels[0]) is None
