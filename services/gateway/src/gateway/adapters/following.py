"""Topics read from their end by every gateway process, with no consumer group.

The partitions are assigned by hand and read from the end as the process starts, so every
process sees every event and none waits on a rebalance. Nothing is committed: what the
gateway does with an event (forget a cached decision, tell an open page something changed)
is harmless done twice or for an old event, so exactly-once is not needed. A follower is
`live` only while every partition has been fetched within `stale_after` seconds."""
from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaConsumer, TopicPartition

from revgen_common.topic_reading import partitions_of

log = logging.getLogger(__name__)


class FollowFromEnd:
    def __init__(self, bootstrap_servers: str, topics: list[str], stale_after: float = 2.0):
        self.bootstrap_servers = bootstrap_servers
        self.topics = topics
        self.stale_after = stale_after
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []

    def apply(self, value: bytes) -> None:
        raise NotImplementedError

    def started(self) -> None:
        """Following from now on (what happened before is in the services' answers)."""

    def stopped(self) -> None:
        """No longer following: events may be missed from here."""

    def live(self) -> bool:
        if self._consumer is None or not self._partitions:
            return False
        # wall clock: aiokafka stamps each fetch response with it (last_poll_timestamp, ms)
        now_ms = time.time() * 1000
        stamps = [self._consumer.last_poll_timestamp(tp) for tp in self._partitions]
        return all(s is not None and now_ms - s < self.stale_after * 1000 for s in stamps)

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                await self._follow(stop)
                backoff = 0.5
            except Exception:
                log.exception("following %s failed; trying again", ", ".join(self.topics))
                await asyncio.wait([asyncio.ensure_future(stop.wait())], timeout=backoff)
                backoff = min(backoff * 2, 10.0)

    async def _follow(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False,
                                    isolation_level="read_committed", fetch_max_wait_ms=200)
        await consumer.start()
        try:
            partitions = [tp for topic in self.topics for tp in await partitions_of(self.bootstrap_servers, topic)]
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            for tp in partitions:
                await consumer.position(tp)  # resolved now, before anyone relies on the feed
            self._consumer, self._partitions = consumer, partitions
            self.started()
            while not stop.is_set():
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    for record in records:
                        self.apply(record.value)
        finally:
            self._consumer, self._partitions = None, []
            self.stopped()
            await consumer.stop()
