"""Marking ledger rows published, in batches, off the response path.

A 2xx needs Kafka's acknowledgement, not the mark: a mark that never lands (a crash, the
database away) leaves the row pending, and a later delivery of that event settles it by
finding it on the topic (ADR 0003). So marks wait for the next tick and go in one
UPDATE each, and a failed batch is simply tried again.
"""
from __future__ import annotations

import asyncio
import logging

from ingress.adapters.ledger import Ledger, Mark

log = logging.getLogger(__name__)

TICK_SECONDS = 0.025  # duplicates of a fresh event wait for its mark; longer ticks mean fewer commits
MAX_BATCH = 2000
MAX_PENDING = 100_000  # beyond this (a long database outage), older marks are dropped: harmless
RETRY_PAUSE_SECONDS = 1.0


class PublishedMarks:
    def __init__(self, ledger: Ledger, tick_seconds: float = TICK_SECONDS):
        self.ledger = ledger
        self.tick_seconds = tick_seconds
        self._pending: list[Mark] = []
        self._waiting = asyncio.Event()
        self._task: asyncio.Task | None = None

    def add(self, mark: Mark) -> None:
        self._pending.append(mark)
        self._waiting.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self, timeout: float = 5) -> None:
        """At shutdown: write what is pending (within `timeout`), then stop."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            async with asyncio.timeout(timeout):
                while self._pending:
                    await self._flush()
        except Exception as error:  # TimeoutError included
            log.warning("%d published marks not written at shutdown (%r); later deliveries settle them",
                        len(self._pending), error)

    async def _run(self) -> None:
        while True:
            await self._waiting.wait()
            await asyncio.sleep(self.tick_seconds)  # let the tick's acknowledgements gather
            try:
                await self._flush()
            except Exception as error:  # the database away, mostly; the batch was kept
                log.warning("marking %d rows published failed, retrying: %r", len(self._pending), error)
                await asyncio.sleep(RETRY_PAUSE_SECONDS)

    async def _flush(self) -> None:
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        if not self._pending:
            self._waiting.clear()
        if not batch:
            return
        try:
            await self.ledger.mark_published(batch)
        except BaseException:
            self._pending[:0] = batch  # kept for the next attempt
            del self._pending[:-MAX_PENDING]
            self._waiting.set()
            raise
