"""How far a consumer has got: offsets committed after the database, its metrics, and
the inbox rows it no longer needs."""
from __future__ import annotations

import logging
import time

from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from revgen_common import metrics
from revgen_common.consumer import inbox
from revgen_common.consumer.received import Received
from revgen_common.consumer.state import ConsumerState

log = logging.getLogger("revgen_common.consumer")


class Progress(ConsumerState):
    async def _commit_offset(self, tp: TopicPartition, offset: int) -> None:
        if self._committed.get(tp, -1) >= offset:
            return
        try:
            await self._consumer.commit({tp: offset})
            self._committed[tp] = offset
        except (CommitFailedError, IllegalStateError, KafkaError) as error:
            # The DB commit already happened; whoever owns the partition next replays from
            # the last committed offset and the inbox absorbs the repeats.
            log.warning("consumer %s: offset commit for %s failed: %r", self.name, tp, error)

    async def prune_inbox(self, chunk: int = 10_000) -> int:
        return await inbox.prune(self.engine, self.name, self.options.inbox_keep_seconds, chunk)

    def _count(self, item: Received, outcome: str) -> None:
        metrics.EVENTS_CONSUMED.labels(self.name, item.record.topic, outcome).inc()

    def _refresh_lag(self) -> None:
        now = time.monotonic()
        if now < self._next_lag_refresh:
            return
        self._next_lag_refresh = now + self.options.lag_refresh_seconds
        for tp in self._consumer.assignment():
            end = self._consumer.highwater(tp)
            position = self._committed.get(tp)
            if end is not None and position is not None:
                metrics.CONSUMER_LAG.labels(self.name, tp.topic, str(tp.partition)).set(max(0, end - position))
