"""Small Kafka helpers for tests: publish envelopes, read a topic to its end (revgen_common.topic_reading), watch a group."""
from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import CoordinatorLoadInProgressError, CoordinatorNotAvailableError, NotCoordinatorError

from revgen_common.envelope import Envelope
from revgen_common.kafka_config import producer_config
from revgen_common.topic_reading import partitions_of, read_to_end
from revgen_common.topics import ConsumerGroup


async def publish(bootstrap_servers: str, topic: str, messages: list[Envelope]) -> None:
    producer = AIOKafkaProducer(**producer_config(bootstrap_servers))
    await producer.start()
    try:
        futures = [await producer.send(topic, m.to_bytes(), key=m.key.encode()) for m in messages]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def publish_raw(bootstrap_servers: str, topic: str, key: bytes, value: bytes) -> None:
    producer = AIOKafkaProducer(**producer_config(bootstrap_servers))
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def read_all(bootstrap_servers: str, topic: str, *, isolation_level: str = "read_committed",
                   idle_seconds: float = 1.0, timeout: float = 30.0):
    """Every record of `topic` from the beginning to its current end (within `timeout`)."""
    return await read_to_end(bootstrap_servers, topic, isolation_level=isolation_level, poll_seconds=idle_seconds,
                             timeout=timeout)


async def _committed_and_ends(bootstrap_servers: str, group: str, topic: str) -> list[tuple[int, int]]:
    """(committed offset, end offset) per partition of `topic` for `group`; a partition the
    group never committed counts as committed at 0."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        ends = await consumer.end_offsets(await partitions_of(bootstrap_servers, topic))
        return [(committed[tp].offset if tp in committed else 0, end) for tp, end in ends.items()]
    finally:
        await consumer.stop()
        await admin.close()


async def group_caught_up(bootstrap_servers: str, group: str, topic: str) -> bool:
    """True once the group's committed offsets reach the end of every partition of `topic`;
    False while a fresh broker has no group coordinator yet (it answers "not available")."""
    try:
        offsets = await _committed_and_ends(bootstrap_servers, group, topic)
    except (CoordinatorNotAvailableError, CoordinatorLoadInProgressError, NotCoordinatorError):
        return False
    return bool(offsets) and all(committed >= end for committed, end in offsets)


async def group_lag(bootstrap_servers: str, group: str, topic: str) -> int:
    """Records of `topic` the group has not committed yet (what a lag dashboard shows)."""
    return sum(end - committed for committed, end in await _committed_and_ends(bootstrap_servers, group, topic))


async def start_group_at_end(bootstrap_servers: str, group: str, topics: list[str]) -> None:
    """Commit `group`'s offsets at the current end of `topics`, as for a service deployed
    now: what earlier tests left on shared topics is not this test's to process."""
    partitions = [tp for topic in topics for tp in await partitions_of(bootstrap_servers, topic)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)  # committing needs them assigned; no group membership here
        ends = await consumer.end_offsets(partitions)
        await consumer.commit(ends)
    finally:
        await consumer.stop()


async def start_groups_at_end(bootstrap_servers: str, groups: Iterable[ConsumerGroup]) -> None:
    """`start_group_at_end` for each group on all its topics: services deployed now, which
    would otherwise first work through every event the suite's earlier tests published."""
    for group in groups:
        await start_group_at_end(bootstrap_servers, group.name, [topic.name for topic in group.topics])
