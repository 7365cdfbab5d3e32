"""Reading a whole topic, from its beginning to its end as it is now: for operators' tools
(dead-letter replay) and tests, never for services, which consume through groups."""
from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord


async def partitions_of(bootstrap_servers: str, topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        (description,) = await admin.describe_topics([topic])
        return sorted(TopicPartition(topic, p["partition"]) for p in description["partitions"])
    finally:
        await admin.close()


async def read_to_end(bootstrap_servers: str, topic: str, *, isolation_level: str = "read_committed",
                      poll_seconds: float = 1.0, timeout: float | None = None) -> list[ConsumerRecord]:
    """Every record of `topic` up to the end each partition had when reading began, in
    order per partition; with `timeout`, what was read by then."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False,
                                auto_offset_reset="earliest", isolation_level=isolation_level)
    await consumer.start()
    try:
        partitions = await partitions_of(bootstrap_servers, topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while deadline is None or loop.time() < deadline:
            if all([await consumer.position(tp) >= ends[tp] for tp in partitions]):
                break
            for tp_records in (await consumer.getmany(timeout_ms=int(poll_seconds * 1000))).values():
                records.extend(tp_records)
        return records
    finally:
        await consumer.stop()
