"""Fair share of the OpenAI account's concurrency (audit E11): one client's surge must not
exhaust the shared limit for everyone else.

A client may hold at most max(1, capacity // active_clients) slots, where a client is
active while it holds a slot, waits for one, or has asked within the last `active_window`
seconds. A lone
client may therefore use everything, and as soon as others ask, each is guaranteed its
share: slots a surging client gives back are kept for the newcomers, not re-taken.

Pure and synchronous (no awaits, so no locks on one event loop); the clock is injectable.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# Before any request has finished we know nothing of how long one takes; an SMS-sized chat
# completion typically takes about a second.
INITIAL_HOLD_ESTIMATE = 1.0
SMOOTHING = 0.2  # weight of the newest hold duration in the moving average
MIN_WAIT = 0.05  # do not invite a busy loop of refusals


class FairShare:
    def __init__(self, capacity: int, clock: Callable[[], float] = time.monotonic, *,
                 active_window: float = 3.0):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._clock = clock
        self._active_window = active_window
        self._held: dict[str, deque[float]] = {}  # client -> acquire times of the slots it holds
        self._last_asked: dict[str, float] = {}
        self._waiting: dict[str, int] = {}  # client -> callers waiting for a slot (adapters/fair_turns.py)
        self._typical_hold = INITIAL_HOLD_ESTIMATE

    def try_acquire(self, client_id: str) -> float:
        """0.0: a slot is granted and the caller must `release(client_id)` when done.
        > 0: refused; the seconds to wait before asking again."""
        now = self._clock()
        self._last_asked[client_id] = now
        held, share, in_use = self.held_by(client_id), self.share(now), self.in_use
        if held < share and in_use < self.capacity:
            self._held.setdefault(client_id, deque()).append(now)
            return 0.0
        return self.suggested_wait(client_id)

    def suggested_wait(self, client_id: str) -> float:
        """How long a refused client should wait before asking again (> 0)."""
        held = self.held_by(client_id)
        # At its share, only its own releases help; otherwise any release does.
        return self._wait_for_one_of(held if held >= self.share() else self.in_use)

    def release(self, client_id: str) -> None:
        """Gives one slot back. Releasing a slot the client does not hold raises: a double
        release would silently free another request's slot and let the account exceed
        its capacity."""
        acquired = self._held.get(client_id)
        if not acquired:
            raise RuntimeError(f"client {client_id!r} holds no fair-share slot to release")
        duration = self._clock() - acquired.popleft()
        self._typical_hold += SMOOTHING * (duration - self._typical_hold)
        if not acquired:
            del self._held[client_id]

    def waits(self, client_id: str) -> None:
        """One more caller of `client_id` waits for a slot: the client stays active meanwhile,
        so its share is kept for it however long it waits."""
        self._waiting[client_id] = self._waiting.get(client_id, 0) + 1

    def stops_waiting(self, client_id: str) -> None:
        left = self._waiting[client_id] - 1
        if left:
            self._waiting[client_id] = left
        else:
            del self._waiting[client_id]

    def held_by(self, client_id: str) -> int:
        return len(self._held.get(client_id, ()))

    @property
    def in_use(self) -> int:
        return sum(len(acquired) for acquired in self._held.values())

    def share(self, now: float | None = None) -> int:
        """How many slots each active client may hold right now."""
        return max(1, self.capacity // max(1, self._active_clients(self._clock() if now is None else now)))

    def _active_clients(self, now: float) -> int:
        horizon = now - self._active_window
        for client_id in [c for c, at in self._last_asked.items() if at < horizon]:
            del self._last_asked[client_id]  # forget idle clients so the map stays small
        return len(self._last_asked.keys() | self._held.keys() | self._waiting.keys())

    def _wait_for_one_of(self, slots: int) -> float:
        # A client is only active while it keeps asking, so it must be told to come back
        # well within the window or it would lose its reserved share while waiting.
        expected = self._typical_hold / max(1, slots)
        return min(max(expected, MIN_WAIT), self._active_window / 2)
