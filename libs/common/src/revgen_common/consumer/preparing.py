"""Staged preparations: every message of a batch prepared at once before its transaction,
one after another only within a key, so order per key holds."""
from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.consumer import inbox
from revgen_common.consumer.received import NOT_PREPARED, Received
from revgen_common.consumer.routes import Handler, Staged
from revgen_common.errors import NotYet
from revgen_common.tracing import handling


class Preparations:
    def __init__(self, consumer: str, handlers: Mapping[str, Handler | Staged[Any]], engine: AsyncEngine, concurrency: int):
        self.consumer = consumer
        self.handlers = handlers
        self.engine = engine
        self._slots = asyncio.Semaphore(concurrency)  # prepare calls at once, across partitions

    async def prepare(self, batch: list[Received]) -> None:
        staged = [item for item in batch if item.prepared is NOT_PREPARED and item.envelope is not None
                  and item.error is None and isinstance(self.handlers.get(item.envelope.type), Staged)]
        if not staged:
            return
        # A replay's applied messages are not prepared again...
        done = await inbox.already_applied(self.engine, self.consumer, [item.event_id for item in staged])
        by_key: dict[bytes | None, list[Received]] = {}
        for item in staged:
            if item.event_id not in done:  # ...nor a second copy in this batch: apply skips it
                done.add(item.event_id)
                by_key.setdefault(item.record.key, []).append(item)
        await asyncio.gather(*(self._in_order(items) for items in by_key.values()))

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
                        item.prepared = await stage.prepare(item.envelope)
            except Exception as error:  # raised where it is applied, so the batch stops there
                item.failed = error
                if isinstance(error, NotYet):  # when it may be prepared again
                    item.not_before = loop.time() + (error.retry_after or 0.0)
                return  # the key's later messages wait for this one
