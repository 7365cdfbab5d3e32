"""Run an async component (consumer, relay, stage) in the test's event loop until told to stop."""
from __future__ import annotations

import asyncio
import contextlib


@contextlib.asynccontextmanager
async def running(component):
    stop = asyncio.Event()
    task = asyncio.create_task(component.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def eventually(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Await `predicate()` (async) until truthy; returns its last value or fails."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        await asyncio.sleep(interval)
