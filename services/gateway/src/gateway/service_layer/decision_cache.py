"""Identity's authorization answers, cached briefly and forgotten as soon as identity.events
says something changed (adapters/identity_events.py).

Three rules keep the cache from ever being the reason a removed member gets in:
- it is used only while the invalidation feed is live (positioned on identity.events and
  fetching): otherwise every decision goes to identity;
- an answer fetched while an invalidation arrived is not stored (the generation moved);
- an entry lives `ttl` at most, and never past the session's own expiry.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from gateway.domain.decisions import Decision
from revgen_common.clock import Clock

# (hash of the session token, scope kind, scope id, permission)
Key = tuple[bytes, str, str | None, str | None]


@dataclass
class _Entry:
    decision: Decision
    client_id: str | None
    stored_at: float


class DecisionCache:
    def __init__(self, ttl: timedelta, clock: Clock, monotonic: Callable[[], float] = time.monotonic,
                 max_entries: int = 50_000):
        self.ttl = ttl.total_seconds()
        self.clock = clock
        self.monotonic = monotonic
        self.max_entries = max_entries
        self.live: Callable[[], bool] = lambda: False  # the feed sets this when it runs
        self.generation = 0
        self.hits = 0
        self._entries: dict[Key, _Entry] = {}

    def get(self, key: Key) -> Decision | None:
        entry = self._entries.get(key)
        if entry is None or not self.live():
            return None
        if self.monotonic() - entry.stored_at > self.ttl or entry.decision.session_expires_at <= self.clock():
            del self._entries[key]
            return None
        self.hits += 1
        return entry.decision

    def put(self, key: Key, decision: Decision, generation: int, client_id: str | None) -> None:
        """Store an answer fetched at `generation`, unless something changed meanwhile."""
        if generation != self.generation or not self.live() or self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = _Entry(decision, client_id, self.monotonic())

    def forget(self, client_id: str | None = None, person_id: str | None = None) -> None:
        """An event about this client or person: every answer that could depend on it goes.
        With neither, everything goes. Forgetting twice is forgetting once."""
        self.generation += 1
        if client_id is None and person_id is None:
            self._entries.clear()
            return
        self._entries = {k: e for k, e in self._entries.items()
                         if not ((client_id and e.client_id == client_id) or
                                 (person_id and e.decision.person_id == person_id))}

    def forget_session(self, token_hash: bytes) -> None:
        self.generation += 1
        self._entries = {k: e for k, e in self._entries.items() if k[0] != token_hash}

    def __len__(self) -> int:
        return len(self._entries)
