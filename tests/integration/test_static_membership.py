"""The runtime's consumers are static group members (their process slot names them): a
killed process's restart takes its partitions back at once (test_crash_safety), and a
process stopped on purpose still leaves its group at once."""
import uuid

from aiokafka.admin import AIOKafkaAdminClient

from revgen_common import ExactlyOnceConsumer
from revgen_testing.effects import create_effects_table, effect_requests, make_handlers
from revgen_testing.kafka_io import publish
from revgen_testing.running import eventually, running
from tests.integration.test_consumer_exactly_once import _inbox_count


async def test_a_static_member_stopped_on_purpose_leaves_its_group_at_once(infra, engine, make_topic):
    await create_effects_table(engine)
    topic = await make_topic()
    name = f"leaving-{uuid.uuid4().hex[:6]}"
    await publish(infra.bootstrap_servers, topic, effect_requests(3, keys=1))
    consumer = ExactlyOnceConsumer(name=name, topics=[topic], handlers=make_handlers(name), engine=engine,
                                   bootstrap_servers=infra.bootstrap_servers, group_instance_id=f"{name}-0")
    async with running(consumer):
        await eventually(lambda: _inbox_count(engine, 3))
        assert await _members(infra, name) == [f"{name}-0"]

    assert await _members(infra, name) == []  # not held until its 30 s session expires


async def _members(infra, group: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.bootstrap_servers)
    await admin.start()
    try:
        [described] = (await admin.describe_consumer_groups([group]))[0].groups
    finally:
        await admin.close()
    return [member[0].rsplit("-", 5)[0] for member in described[5]]  # "<instance id>-<uuid>"
