"""Publishing verified webhooks, and finding out afterwards whether a publish landed.

Each message goes to an explicit partition (Kafka's default murmur2 of the key), so the
ledger knows where to look for it when an outcome was never learnt.
"""
from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import murmur2

from revgen_common.envelope import Envelope
from revgen_common.kafka_config import producer_config
from revgen_common.tracing import context_headers

EVENT_ID_HEADER = "revgen.event_id"
# Between the ledger's clock (attempt times) and the timestamps producers put on messages.
CLOCK_SKEW_SECONDS = 60


def partition_for(key: str, partitions: int) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


class KafkaPublisher:
    def __init__(self, bootstrap_servers: str, request_timeout_ms: int):
        self.bootstrap_servers = bootstrap_servers
        self._producer = AIOKafkaProducer(**producer_config(bootstrap_servers, request_timeout_ms=request_timeout_ms,
                                                            linger_ms=1))
        self._partitions: dict[str, int] = {}

    async def start(self, topics: list[str]) -> None:
        await self._producer.start()
        for topic in topics:  # fixed at start: topics are declared, never created on the fly
            self._partitions[topic] = len(await self._producer.partitions_for(topic))

    async def stop(self) -> None:
        await self._producer.stop()

    def partition_for(self, topic: str, key: str) -> int:
        return partition_for(key, self._partitions[topic])

    async def send(self, topic: str, partition: int, message: Envelope) -> asyncio.Future:
        """Hands the message to the producer; the returned future resolves once acks=all."""
        return await self._producer.send(
            topic, message.to_bytes(), key=message.key.encode(), partition=partition,
            headers=[(EVENT_ID_HEADER, str(message.event_id).encode()),
                     *((name, value.encode()) for name, value in context_headers().items())])

    async def ping(self) -> None:
        await self._producer.client.fetch_all_metadata()

    async def landed_since(self, topic: str, partition: int, event_id: uuid.UUID, since: float,
                           within: float) -> bool:
        """Whether a message with `event_id` is on the partition, timestamped between the unix
        time `since` and `within` seconds later (widened by the clock skew): done only for
        publishes whose outcome was lost. The producer stamps a message when it is handed
        over, and a retried batch keeps its stamp, so an attempt made then can only be in
        that window; whatever traffic came after it, however much, is not read."""
        tp = TopicPartition(topic, partition)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False,
                                    isolation_level="read_uncommitted")
        await consumer.start()
        try:
            consumer.assign([tp])
            start = (await consumer.offsets_for_times({tp: int((since - CLOCK_SKEW_SECONDS) * 1000)}))[tp]
            if start is None:
                return False
            stop = (await consumer.offsets_for_times({tp: int((since + within + CLOCK_SKEW_SECONDS) * 1000)}))[tp]
            end = stop.offset if stop is not None else (await consumer.end_offsets([tp]))[tp]
            consumer.seek(tp, start.offset)
            wanted = str(event_id).encode()
            while await consumer.position(tp) < end:
                for record in (await consumer.getmany(tp, timeout_ms=500)).get(tp, []):
                    if record.offset >= end:  # a fetch returns whole batches, past the window too
                        return False
                    if dict(record.headers).get(EVENT_ID_HEADER) == wanted:
                        return True
            return False
        finally:
            await consumer.stop()

