"""Staged preparations: a batch's messages prepared at once before they are applied, one
after another only within a key, so order per key holds. Each key's chain runs as a task of
its own, so the batch's prepared prefix can be applied while later preparations go on."""
from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.consumer import inbox
from revgen_common.consumer.received import NOT_PREPARED, Received, cancelled_inside, delivered, still_preparing
from revgen_common.consumer.routes import Handler, Staged
from revgen_common.errors import NotYet
from revgen_common.tracing import handling


class Preparations:
    def __init__(self, consumer: str, handlers: Mapping[str, Handler | Staged[Any]], engine: AsyncEngine, concurrency: int):
        self.consumer = consumer
        self.handlers = handlers
        self.engine = engine
        self._slots = asyncio.Semaphore(concurrency)  # prepare calls at once, across partitions
        self._chains: dict[TopicPartition, set[asyncio.Task[None]]] = {}
        self._cancels = 0  # how many times preparations were cancelled (a stop, a revoke)

    async def prepare(self, tp: TopicPartition, batch: list[Received]) -> None:
        """Starts what needs preparing and returns once the batch's first preparation still
        running is over — at once if that one was running before this call (its end wakes the
        partition, runtime.py), or if results prepared earlier wait before it to be applied. A
        message whose preparation runs is never prepared twice."""
        started = {id(item) for item in await self._start(tp, batch)}
        at = next((at for at, item in enumerate(batch) if still_preparing(item)), None)
        if at is not None and id(batch[at]) in started and all(item.prepared is NOT_PREPARED for item in batch[:at]):
            running = batch[at].preparing
            assert running is not None
            await asyncio.wait([running])

    def cancel(self, partitions: Iterable[TopicPartition] | None = None) -> list[asyncio.Task[None]]:
        """Stops the preparations of partitions this member lets go (all when None): they
        write nothing, and whoever reads the partition next prepares its messages again."""
        chosen = list(self._chains) if partitions is None else partitions
        self._cancels += 1
        tasks = [task for tp in chosen for task in self._chains.pop(tp, ())]
        for task in tasks:
            task.cancel()
        return tasks

    async def _start(self, tp: TopicPartition, batch: list[Received]) -> list[Received]:
        staged = [item for item in batch if item.prepared is NOT_PREPARED and item.envelope is not None
                  and item.error is None and isinstance(self.handlers.get(item.envelope.type), Staged)]
        if not any(_may_start(item) for item in staged):
            return []
        # A replay's applied messages are not prepared again...
        cancels = self._cancels
        done = await inbox.already_applied(self.engine, self.consumer, [item.event_id for item in staged])
        if self._cancels != cancels:  # a stop or revoke came meanwhile: start nothing it would have to wait for
            return []
        by_key: dict[bytes | None, list[Received]] = {}
        held: set[bytes | None] = set()  # keys whose earlier message runs, or failed and was not retried yet
        loop = asyncio.get_running_loop()
        for item in staged:
            key = item.record.key
            if key in held or not _may_start(item):
                held.add(key)
            elif item.event_id not in done:  # ...nor a second copy in this batch: apply skips it
                done.add(item.event_id)
                item.preparing = loop.create_future()
                by_key.setdefault(key, []).append(item)
        for items in by_key.values():
            chain = asyncio.create_task(self._in_order(items))
            chain.add_done_callback(functools.partial(_over_all, items))  # even if cancelled before it ran
            chains = self._chains.setdefault(tp, set())
            chains.add(chain)
            chain.add_done_callback(chains.discard)
        return [item for items in by_key.values() for item in items]

    async def _in_order(self, items: list[Received]) -> None:
        loop = asyncio.get_running_loop()
        for item in items:
            if item.not_before > loop.time():
                return  # it waits, and the key's later messages with it
            assert item.envelope is not None
            stage = self.handlers[item.envelope.type]
            assert isinstance(stage, Staged)
            item.failed = None  # what an earlier try raised is over
            try:
                with handling(item.envelope, item.record.headers, self.consumer, step="prepare"):
                    async with self._slots:
                        item.prepared = await stage.prepare(delivered(item))
            except Exception as error:  # raised where it is applied, so the batch stops there
                item.failed = error
                if isinstance(error, NotYet):  # when it may be prepared again
                    item.not_before = loop.time() + (error.retry_after or 0.0)
                return  # the key's later messages wait for this one
            except asyncio.CancelledError as cancelled:
                if (failure := cancelled_inside(cancelled)) is None:
                    raise  # let go (a stop, a revoke): whoever reads the partition next prepares it
                item.failed = failure  # else a "not prepared" message would be tried again at once, for ever
                return
            finally:
                _over_all([item])


def _may_start(item: Received) -> bool:
    """Not running, and not failed unless it was told when to try again: a failure is
    retried once applying has seen it and set its backoff (waiting.py)."""
    return not still_preparing(item) and (item.failed is None or isinstance(item.failed, NotYet))


def _over_all(items: list[Received], _: object = None) -> None:
    """Their preparations are over (done, failed, or left to a later try)."""
    for item in items:
        if item.preparing is not None and not item.preparing.done():
            item.preparing.set_result(None)
