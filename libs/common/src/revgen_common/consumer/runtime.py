"""The consumer's life: its group, polling, a worker per partition's batch, timers waking waiting ones."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common import metrics
from revgen_common.checkpoints import Checkpoint, no_checkpoint
from revgen_common.clock import Clock, system_clock
from revgen_common.consumer import inbox
from revgen_common.consumer.applying import BatchApplication
from revgen_common.consumer.failures import FailureHandling
from revgen_common.consumer.membership import DrainOnRevoke, leave_when_stopped
from revgen_common.consumer.options import ConsumerOptions
from revgen_common.consumer.preparing import Preparations
from revgen_common.consumer.progress import Progress
from revgen_common.consumer.received import Received, checked, decode
from revgen_common.consumer.routes import Handlers, by_type
from revgen_common.consumer.waiting import Retry
from revgen_common.kafka_config import consumer_config
from revgen_common.periodic import every
from revgen_common.topics import TopicSpec

log = logging.getLogger("revgen_common.consumer")


class ExactlyOnceConsumer(BatchApplication, FailureHandling, Progress):
    def __init__(self, *, name: str, topics: Iterable[TopicSpec | str], handlers: Handlers, engine: AsyncEngine,
                 bootstrap_servers: str, options: ConsumerOptions | None = None,
                 checkpoint: Checkpoint = no_checkpoint, producer: str | None = None, clock: Clock = system_clock,
                 **kafka_overrides: object):
        self.name = name
        self.producer = producer or name  # in the envelopes its handlers publish, stamped by `clock`
        self.clock = clock
        self.topics = [t.name if isinstance(t, TopicSpec) else t for t in topics]
        self.handlers = by_type(handlers)
        self.engine = engine
        self.options = options or ConsumerOptions()
        self._checkpoint = checkpoint
        self._consumer = AIOKafkaConsumer(**consumer_config(
            bootstrap_servers, group_id=name, max_poll_records=self.options.max_batch, **kafka_overrides))
        self._preparations = Preparations(name, self.handlers, engine, self.options.max_concurrent_preparations)
        self._workers: dict[TopicPartition, asyncio.Task[None]] = {}
        self._retrying: dict[TopicPartition, Retry] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._capacity_paused: set[TopicPartition] = set()
        self._letting_go: set[TopicPartition] = set()  # being drained before a revoke
        self._next_lag_refresh = 0.0
        self._running = False

    async def run(self, stop: asyncio.Event) -> None:
        self._consumer.subscribe(self.topics, listener=DrainOnRevoke(self))
        await self._consumer.start()
        log.info("consumer %s started on %s", self.name, self.topics)
        pruning = asyncio.create_task(every(inbox.INBOX_PRUNE_EVERY_SECONDS, self.prune_inbox, stop))
        self._running = True
        try:
            while not stop.is_set():
                await self._poll_once()
        finally:
            self._running = False  # no retry starts from here on
            pruning.cancel()
            for retry in self._retrying.values():
                retry.cancel()
            await self.drain()
            leave_when_stopped(self._consumer)
            await self._consumer.stop()
            log.info("consumer %s stopped", self.name)

    async def _poll_once(self) -> None:
        self._apply_capacity_limit()
        batches = await self._consumer.getmany(timeout_ms=self.options.poll_timeout_ms,
                                               max_records=self.options.max_batch)
        for tp, records in batches.items():
            if records:
                self._consumer.pause(tp)  # one batch per partition in flight keeps order
                self._start(tp, [checked(decode(r), self.handlers) for r in records])
        self._refresh_lag()

    def _start(self, tp: TopicPartition, batch: list[Received]) -> None:
        self._workers[tp] = asyncio.create_task(self._work(tp, batch), name=f"{self.name}:{tp}")

    def _apply_capacity_limit(self) -> None:
        """Bound work in flight by pausing everything idle while the limit is reached."""
        busy = set(self._workers) | set(self._retrying)  # paused by their own batch or wait
        full = len(self._workers) >= self.options.max_partitions_in_flight
        for tp in self._consumer.assignment():
            if tp in busy:
                continue
            if full and tp not in self._capacity_paused:
                self._consumer.pause(tp)
                self._capacity_paused.add(tp)
            elif not full and tp in self._capacity_paused:
                self._consumer.resume(tp)
                self._capacity_paused.discard(tp)
        metrics.PAUSED_PARTITIONS.labels(self.name).set(len(self._consumer.paused()))

    async def drain(self, partitions: Iterable[TopicPartition] | None = None) -> None:
        """Finish the batches in flight on `partitions` (all when None), cancelling the
        preparations still running: they write nothing, and the next reader prepares again."""
        chosen = None if partitions is None else list(partitions)
        self._letting_go.update(chosen or ())  # no retry of theirs starts until they are forgotten
        await asyncio.gather(*self._preparations.cancel(chosen), return_exceptions=True)
        await asyncio.gather(*(task for tp, task in list(self._workers.items()) if chosen is None or tp in chosen),
                             return_exceptions=True)

    async def _work(self, tp: TopicPartition, batch: list[Received]) -> None:
        done = False  # the partition runs on only past a batch known to be done with
        try:
            await self._preparations.prepare(tp, batch)
            done = not await self._apply_batch(tp, batch)
        except BaseException as error:  # cancelled too: what was not applied waits (read past, it would be lost)
            self._hold_batch(tp, batch)
            if not isinstance(error, Exception):
                raise
            log.exception("consumer %s: batch on %s failed outside a handler; trying it again", self.name, tp)
        finally:
            self._workers.pop(tp, None)
            if not done:
                self._arm(tp)
            elif tp in self._consumer.assignment():
                self._consumer.resume(tp)

    def _arm(self, tp: TopicPartition) -> None:
        """Wake the waiting retry when its wait is over, now that its partition has no worker."""
        retry = self._retrying.get(tp)
        if retry is not None and not retry.armed and self._running:
            retry.arm(lambda: self._retry_now(tp, retry))

    def _retry_now(self, tp: TopicPartition, retry: Retry) -> None:
        if (self._running and self._retrying.get(tp) is retry and tp not in self._workers
                and tp in self._consumer.assignment() and tp not in self._letting_go):
            self._start(tp, retry.pending)  # the attempt count survives until a try succeeds

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Another member may own these now: what waited in memory is dropped, and read again
        from the committed offset by whoever owns the partition next."""
        partitions = list(partitions)
        self._preparations.cancel(partitions)
        self._letting_go.difference_update(partitions)
        for tp in partitions:
            retry = self._retrying.pop(tp, None)
            if retry is not None:
                retry.cancel()
            self._committed.pop(tp, None)
            self._capacity_paused.discard(tp)
