"""Jobs a service runs on a timer (recovery, reconciliation, scheduling, summaries).

Each job must be idempotent and claim its work in SQL, so several processes may run it;
a failed round is logged and the next round tries again."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(seconds: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await job()
        except Exception:
            log.exception("%s failed; next round in %.0f s", getattr(job, "__qualname__", job), seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
