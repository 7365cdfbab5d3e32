"""Applying one partition's batch: the inbox rows, the handlers' writes and their outbox
rows in ONE transaction, then the offset. When one message fails, the ones before it are
applied without it, and it is retried, with every message behind it, or dead-lettered."""
from __future__ import annotations

import asyncio
import logging
import math
import time

from aiokafka import TopicPartition

from revgen_common import metrics
from revgen_common.consumer import inbox
from revgen_common.consumer.received import (
    NOT_PREPARED,
    MessageFailed,
    Received,
    cancelled_inside,
    delivered,
    still_preparing,
)
from revgen_common.consumer.routes import Staged
from revgen_common.consumer.state import ConsumerState
from revgen_common.errors import NotYet
from revgen_common.handler_context import HandlerContext, in_handler
from revgen_common.tracing import handling
from revgen_common.unit_of_work import UnitOfWork

log = logging.getLogger("revgen_common.consumer")


class BatchApplication(ConsumerState):
    async def _apply_batch(self, tp: TopicPartition, batch: list[Received]) -> bool:
        """Returns True when the partition must wait and retry. A failing call is never
        repeated at once. Whatever waits, waits with every message behind it: the partition
        was read past them, so a message left out of the retry would be lost until a restart."""
        known: MessageFailed | None = None  # found by a transaction of this call, nothing of it kept
        while batch:
            # The messages before the first that cannot be applied yet (a paced send, an
            # assistant to ask again, a preparation still running) are applied without it,
            # with no transaction opened, and no inbox row rolled back, to find that out.
            first = known or _first_unready(batch, asyncio.get_running_loop().time())
            if first is not None and first.index == 0:
                if not await self._fail(tp, batch, first.error):
                    await self._commit_offset(tp, batch[0].record.offset)
                    return True
                await self._commit_offset(tp, batch[0].record.offset + 1)
                batch, known = batch[1:], None
                continue
            ready = batch if first is None else batch[:first.index]
            started = time.perf_counter()
            try:
                async with UnitOfWork(self.engine, self.producer, self.clock) as uow:
                    await self._apply_all(uow, ready)
                    self._checkpoint("before_db_commit")
                    await uow.commit()
            except MessageFailed as failure:  # the ones before it go first, without it
                known = failure
                continue
            except Exception as error:  # the database or the commit itself: the whole batch waits
                log.warning("consumer %s: batch on %s not applied: %r", self.name, tp, error)
                metrics.RETRIES.labels(self.name, tp.topic).inc()
                self._hold_batch(tp, batch)
                return True
            self._checkpoint("after_db_commit")
            self._retrying.pop(tp, None)
            metrics.HANDLER_SECONDS.labels(self.name).observe(time.perf_counter() - started)
            await self._commit_offset(tp, ready[-1].record.offset + 1)
            self._checkpoint("after_offset_commit")
            batch, known = batch[len(ready):], None if first is None else MessageFailed(0, first.error)
        return False

    async def _apply_all(self, uow: UnitOfWork, batch: list[Received]) -> None:
        fresh = await inbox.claim(uow.connection, self.name, batch)
        halfway = len(batch) // 2
        now = asyncio.get_running_loop().time()
        for position, item in enumerate(batch):
            if position == halfway:
                self._checkpoint("mid_batch")
            if item.event_id not in fresh:
                self._count(item, "duplicate")
                continue
            fresh.discard(item.event_id)  # a duplicate later in the same batch is a no-op too
            try:
                if item.error is not None:
                    raise item.error
                if (unready := _unready(item, now)) is not None:
                    raise unready
                await self._handle(uow, item)
            except Exception as error:
                raise MessageFailed(position, error) from error
            except asyncio.CancelledError as cancelled:
                if (failure := cancelled_inside(cancelled)) is None:
                    raise
                raise MessageFailed(position, failure) from cancelled

    async def _handle(self, uow: UnitOfWork, item: Received) -> None:
        envelope = item.envelope
        assert envelope is not None
        handler = self.handlers.get(envelope.type)
        if handler is None:  # this service does not care about this type: recorded, not applied
            self._count(item, "ignored")
            return
        with handling(envelope, item.record.headers, self.name), in_handler():
            if not isinstance(handler, Staged):
                await handler(delivered(item), HandlerContext(uow))
            elif item.prepared is NOT_PREPARED:  # an earlier message of its key failed (dead-lettered)
                raise NotYet("not prepared in this batch; prepared when the partition is read again", retry_after=0.0)
            elif handler.apply is not None:
                await handler.apply(delivered(item), HandlerContext(uow), item.prepared)
        self._count(item, "applied")


def _first_unready(batch: list[Received], now: float) -> MessageFailed | None:
    return next((MessageFailed(i, e) for i, item in enumerate(batch) if (e := _unready(item, now)) is not None), None)


def _unready(item: Received, now: float) -> Exception | None:
    """Why `item` cannot be applied now, whatever the database holds: its preparation is
    still running (the end of it wakes the partition), it is waiting, or it failed."""
    if still_preparing(item):
        return NotYet("its preparation is still running", retry_after=math.inf)
    if item.not_before > now:
        return NotYet(f"waiting: {item.failed or 'its backoff'}", retry_after=item.not_before - now)
    return item.failed
