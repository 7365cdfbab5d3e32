"""Waiting for a fair share of the assistant's concurrency (audit E11) without asking again
and again: a caller that may wait is woken the moment a slot frees for it.

Refusing at once and asking again later (the consumer's NotYet) costs a whole retry each
time — the batch put back, its inbox checked, the conversation read again — and with the
assistant hanging and 50 leads waiting for 8 slots that churn was most of messaging's CPU
(bench/REPORT-messaging-answer-times.md). A freed slot goes to the waiter whose client holds
the fewest slots, then to the one that waited longest; `FairShare` still decides whether a
client may hold one more.
"""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from messaging.domain.fair_share import FairShare


@dataclass(eq=False)
class _Waiter:
    client_id: str
    arrival: int
    granted: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class FairTurns:
    def __init__(self, share: FairShare):
        self.share = share
        self._waiters: list[_Waiter] = []
        self._arrivals = itertools.count()

    async def acquire(self, client_id: str, wait: float = 0.0) -> float:
        """0.0: a slot is held, to `release(client_id)` when done. Otherwise no slot came
        within `wait` seconds, and the share's suggestion of when to ask again."""
        if wait <= 0 or not self._waiters:  # nobody to overtake
            refused = self.share.try_acquire(client_id)
            if refused == 0.0 or wait <= 0:
                return refused
        waiter = _Waiter(client_id, next(self._arrivals))
        self._waiters.append(waiter)
        self.share.waits(client_id)
        try:
            self._grant()
            if not waiter.granted.done():
                await asyncio.wait([waiter.granted], timeout=wait)
        except BaseException:  # cancelled: a slot granted meanwhile must not leak
            if waiter.granted.done() and not waiter.granted.cancelled():
                self.release(client_id)
            raise
        finally:
            self._waiters.remove(waiter)
            self.share.stops_waiting(client_id)
        if waiter.granted.done():
            return 0.0
        waiter.granted.cancel()
        return self.share.suggested_wait(client_id)

    def release(self, client_id: str) -> None:
        self.share.release(client_id)
        self._grant()

    def _grant(self) -> None:
        """Hands free slots to waiters, fewest held first, then longest waiting."""
        while True:
            waiting = sorted((w for w in self._waiters if not w.granted.done()),
                             key=lambda w: (self.share.held_by(w.client_id), w.arrival))
            granted = next((w for w in waiting if self.share.try_acquire(w.client_id) == 0.0), None)
            if granted is None:
                return
            granted.granted.set_result(None)
