"""The feed that keeps the decision cache honest: identity.events read from its end.

No consumer group: the partitions are assigned by hand and read from the end as the process
starts, so every gateway process sees every event and none waits on a rebalance. Nothing is
committed: forgetting a cached answer is idempotent, so reading an event twice (or an event
older than the cache) does no harm, and exactly-once is not needed. The feed is `live` only
while every partition has been fetched within `stale_after` seconds; until then (and after
any error) the cache is not used at all.
"""
from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaConsumer, TopicPartition

from gateway.service_layer.decision_cache import DecisionCache
from revgen_common.envelope import Envelope
from revgen_common.topic_reading import partitions_of
from revgen_common.topics import IDENTITY_EVENTS

log = logging.getLogger(__name__)


class InvalidationFeed:
    def __init__(self, bootstrap_servers: str, cache: DecisionCache, topic: str = IDENTITY_EVENTS.name,
                 stale_after: float = 2.0):
        self.bootstrap_servers = bootstrap_servers
        self.cache = cache
        self.topic = topic
        self.stale_after = stale_after
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        cache.live = self.live

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
                log.exception("identity.events feed failed; the decision cache is off until it is back")
                await asyncio.wait([asyncio.ensure_future(stop.wait())], timeout=backoff)
                backoff = min(backoff * 2, 10.0)

    async def _follow(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False,
                                    isolation_level="read_committed", fetch_max_wait_ms=200)
        await consumer.start()
        try:
            partitions = await partitions_of(self.bootstrap_servers, self.topic)
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            for tp in partitions:
                await consumer.position(tp)  # resolved now: what happened before is in identity's answers
            self._consumer, self._partitions = consumer, partitions
            self.cache.forget()  # nothing cached before this point is trusted
            while not stop.is_set():
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    for record in records:
                        self.apply(record.value)
        finally:
            self._consumer, self._partitions = None, []
            self.cache.forget()
            await consumer.stop()

    def apply(self, value: bytes) -> None:
        try:
            event = Envelope.from_bytes(value)
        except Exception:
            self.cache.forget()  # cannot tell what it was about: forget everything
            return
        payload = event.payload if isinstance(event.payload, dict) else {}
        client_id = payload.get("client_id") or event.client_id
        person_id = payload.get("person_id")
        self.cache.forget(client_id=str(client_id) if client_id else None,
                          person_id=str(person_id) if person_id else None)
