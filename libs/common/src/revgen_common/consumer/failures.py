"""A message that failed: wait and retry it (backpressure: its partition stays paused, the
others go on), or dead-letter it when retrying cannot help."""
from __future__ import annotations

import asyncio
import logging

from aiokafka import TopicPartition

from revgen_common import metrics
from revgen_common.consumer import inbox
from revgen_common.consumer.received import Received
from revgen_common.consumer.state import ConsumerState
from revgen_common.consumer.waiting import waiting
from revgen_common.dead_letters import dead_letter_envelope, dead_letter_headers
from revgen_common.errors import classify
from revgen_common.topics import DEAD_LETTERS
from revgen_common.unit_of_work import UnitOfWork

log = logging.getLogger("revgen_common.consumer")


class FailureHandling(ConsumerState):
    async def _fail(self, tp: TopicPartition, pending: list[Received], error: Exception) -> bool:
        """Handle the failure of `pending[0]`: True if it was dead-lettered (move on), False
        if the partition must wait and retry it (and the messages behind it)."""
        item = pending[0]
        verdict = classify(error)
        state = self._retrying.get(tp)
        if state is not None and state.offset != item.record.offset:
            state = None  # another message waited: this one starts afresh
        earlier = state.attempts if state else 0
        # Only unexpected errors count towards giving up: an outage's tries before one do not.
        unexpected = (state.unexpected if state else 0) + int(verdict.bounded)
        if verdict.scheduled:  # not a failure: wait exactly as told, the attempt count unchanged
            log.debug("consumer %s: %s@%d waits %.3fs: %s", self.name, tp, item.record.offset,
                      verdict.retry_after, error)
            metrics.DEFERRALS.labels(self.name, tp.topic).inc()
            self._hold(tp, pending, earlier, verdict.retry_after or 0.0, unexpected=unexpected)
            return False
        attempts = earlier + 1
        give_up = not verdict.transient or (
            verdict.bounded and unexpected >= self.options.max_attempts_for_unexpected_errors)
        if give_up:
            await self._dead_letter(item, error)
            self._retrying.pop(tp, None)
            return True
        log.warning("consumer %s: transient failure at %s@%d (attempt %d): %r",
                    self.name, tp, item.record.offset, attempts, error)
        metrics.RETRIES.labels(self.name, tp.topic).inc()
        self._hold(tp, pending, attempts, self.options.backoff.delay(attempts, verdict.retry_after),
                   unexpected=unexpected)
        return False

    def _hold_batch(self, tp: TopicPartition, batch: list[Received]) -> None:
        """A whole batch failed (not one message): one more attempt, and its backoff."""
        state = self._retrying.get(tp)
        attempts = (state.attempts if state else 0) + 1
        self._hold(tp, batch, attempts, self.options.backoff.delay(attempts), keep_first=True,
                   unexpected=state.unexpected if state else 0)

    def _hold(self, tp: TopicPartition, pending: list[Received], attempts: int, delay: float, *,
              keep_first: bool = False, unexpected: int = 0) -> None:
        """Backpressure: the partition stays paused and its messages not applied yet wait in
        memory (waiting.py); the poll loop goes on serving the other partitions and the group
        heartbeat."""
        previous = self._retrying.get(tp)
        if previous is not None:
            previous.cancel()
        now = asyncio.get_running_loop().time()
        self._retrying[tp] = waiting(pending, attempts, delay, now, keep_first=keep_first, unexpected=unexpected)

    async def _dead_letter(self, item: Received, error: Exception) -> None:
        log.error("consumer %s: dead-lettering %s@%d/%d: %r", self.name, item.record.topic,
                  item.record.partition, item.record.offset, error)
        async with UnitOfWork(self.engine, self.producer, self.clock) as uow:
            if await inbox.claim(uow.connection, self.name, [item], outcome="dead_lettered"):
                letter = dead_letter_envelope(self.name, item.event_id, item.envelope)
                uow.publish_envelope(DEAD_LETTERS, letter, headers=dead_letter_headers(self.name, item.record, error),
                                     value=item.record.value or b"")
            await uow.commit()
        metrics.DEAD_LETTERS.labels(self.name, item.record.topic).inc()
        self._count(item, "dead_lettered")
