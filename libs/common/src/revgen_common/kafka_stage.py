"""Kafka→Kafka stages with no database: exactly-once with Kafka transactions.

Output messages and the input offsets commit in one Kafka transaction
(`send_offsets_to_transaction`), and readers use `read_committed`, so a crash aborts the
half-written transaction and the batch is redone from the last committed offset. Each
input partition gets its own transactional id: a restarted (or rebalanced) owner of that
partition fences its predecessor's producer when it initialises, so a zombie cannot
commit a stale transaction.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError, OutOfOrderSequenceNumber, ProducerFenced, UnknownProducerId

from revgen_common import metrics
from revgen_common.checkpoints import Checkpoint, no_checkpoint
from revgen_common.errors import Backoff
from revgen_common.kafka_config import consumer_config, transactional_producer_config

log = logging.getLogger(__name__)

# After these the producer cannot go on: it must be closed and created anew.
FATAL_PRODUCER_ERRORS = (ProducerFenced, OutOfOrderSequenceNumber, UnknownProducerId)


@dataclass(frozen=True)
class Output:
    topic: str
    key: bytes
    value: bytes


Transform = Callable[[ConsumerRecord], Awaitable[Iterable[Output]]]


class TransactionalStage:
    def __init__(self, *, name: str, input_topic: str, transform: Transform, bootstrap_servers: str,
                 max_batch: int = 500, checkpoint: Checkpoint = no_checkpoint, backoff: Backoff | None = None,
                 **kafka_overrides: object):
        self.name = name
        self.input_topic = input_topic
        self.transform = transform
        self.bootstrap_servers = bootstrap_servers
        self.max_batch = max_batch
        self._checkpoint = checkpoint
        self._backoff = backoff or Backoff()
        self._consumer = AIOKafkaConsumer(**consumer_config(bootstrap_servers, group_id=name, **kafka_overrides))
        self._producers: dict[TopicPartition, AIOKafkaProducer] = {}
        # Held while a batch is processed; a revocation waits for it before closing the
        # producers, so no transaction is torn down mid-flight or committed after revoke.
        self._batch_in_progress = asyncio.Lock()

    def transactional_id(self, tp: TopicPartition) -> str:
        return f"{self.name}.{tp.topic}.{tp.partition}"

    async def run(self, stop: asyncio.Event) -> None:
        self._consumer.subscribe([self.input_topic], listener=_ProducerPerPartition(self))
        await self._consumer.start()
        try:
            while not stop.is_set():
                batches = await self._consumer.getmany(timeout_ms=100, max_records=self.max_batch)
                async with self._batch_in_progress:
                    for tp, records in batches.items():
                        if records:
                            await self._process(tp, records)
        finally:
            await self._consumer.stop()
            await self._close_producers(list(self._producers))

    async def _process(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        attempt = 0
        while tp in self._consumer.assignment():  # a revoked partition is its new owner's job
            attempt += 1
            producer = await self._producer_for(tp)
            try:
                async with producer.transaction():
                    deliveries = [
                        await producer.send(output.topic, value=output.value, key=output.key)
                        for record in records for output in await self.transform(record)
                    ]
                    await asyncio.gather(*deliveries)  # written, not yet committed
                    self._checkpoint("before_transaction_commit")
                    await producer.send_offsets_to_transaction({tp: records[-1].offset + 1}, self.name)
                self._checkpoint("after_transaction_commit")
                metrics.EVENTS_CONSUMED.labels(self.name, tp.topic, "applied").inc(len(records))
                return
            except FATAL_PRODUCER_ERRORS as error:
                log.warning("stage %s: producer for %s unusable (%r); re-creating it", self.name, tp, error)
                await self._close_producers([tp])
            except KafkaError as error:
                log.warning("stage %s: transaction on %s aborted (%r); retrying", self.name, tp, error)
            metrics.RETRIES.labels(self.name, tp.topic).inc()
            await asyncio.sleep(self._backoff.delay(attempt))

    async def _producer_for(self, tp: TopicPartition) -> AIOKafkaProducer:
        producer = self._producers.get(tp)
        if producer is None:
            producer = AIOKafkaProducer(**transactional_producer_config(
                self.bootstrap_servers, self.transactional_id(tp)))
            await producer.start()  # init_transactions: fences any older producer with this id
            self._producers[tp] = producer
        return producer

    async def _close_producers(self, partitions: Iterable[TopicPartition]) -> None:
        for tp in list(partitions):
            producer = self._producers.pop(tp, None)
            if producer is not None:
                try:
                    await producer.stop()
                except KafkaError:
                    log.warning("stage %s: closing producer for %s failed", self.name, tp, exc_info=True)


class _ProducerPerPartition(ConsumerRebalanceListener):
    def __init__(self, stage: TransactionalStage):
        self.stage = stage

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self.stage._batch_in_progress:
            await self.stage._close_producers(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        return None
