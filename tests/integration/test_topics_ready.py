"""Topics are ready when ensure_topics returns: every partition led, so the first producer
is not refused (NotLeaderForPartition until its timeout: a webhook answered 503 on a loaded
broker, the suite's first test in session 22)."""
import uuid

from aiokafka.admin import AIOKafkaAdminClient

from revgen_common.topics import TopicSpec, ensure_topics


async def test_every_partition_of_a_topic_has_its_leader_when_ensure_topics_returns(infra):
    spec = TopicSpec(f"test.ready.{uuid.uuid4().hex[:8]}", key="test", partitions=48)
    assert await ensure_topics(infra.bootstrap_servers, (spec,)) == [spec.name]
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.bootstrap_servers)
    await admin.start()
    try:
        [topic] = await admin.describe_topics([spec.name])
    finally:
        await admin.close()
    assert topic["error_code"] == 0 and len(topic["partitions"]) == 48
    assert all(p["error_code"] == 0 and p["leader"] >= 0 for p in topic["partitions"])
    assert await ensure_topics(infra.bootstrap_servers, (spec,)) == []  # existing: left as it is

