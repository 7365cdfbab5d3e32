"""Open pages told what changed for their client: each page's stream (entrypoints/ui/live.py)
subscribes to one client; the live feed (adapters/live_events.py) publishes what Kafka says.
A page that falls behind loses the oldest notices, never the newest: a notice only says
"look again", so the newest is all a page needs."""
from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass

QUEUE_SIZE = 32


@dataclass(frozen=True)
class Change:
    kind: str  # the event's type: MessageReceived, MessageStatusChanged, EscalationClaimed, …
    client_id: str
    lead_phone: str | None = None


class Hub:
    def __init__(self) -> None:
        self._pages: dict[str, set[asyncio.Queue[Change]]] = defaultdict(set)

    @contextlib.asynccontextmanager
    async def subscribe(self, client_id: str) -> AsyncIterator[asyncio.Queue[Change]]:
        queue: asyncio.Queue[Change] = asyncio.Queue(QUEUE_SIZE)
        self._pages[client_id].add(queue)
        try:
            yield queue
        finally:
            self._pages[client_id].discard(queue)
            if not self._pages[client_id]:
                del self._pages[client_id]

    def publish(self, change: Change) -> None:
        for queue in self._pages.get(change.client_id, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(change)

    def watching(self) -> int:
        return sum(len(q) for q in self._pages.values())
