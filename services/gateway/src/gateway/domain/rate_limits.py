"""Rate limits: the generic cell rate algorithm (a token bucket kept as one number per key).

A key may spend `limit.count` requests at once, then one every `period / count` seconds.
Per process: N gateway processes allow N times the rate (identity's own OTP limits, in its
database, are the hard ones). Durations come from a monotonic clock, not the date.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    count: int
    period_seconds: float

    @property
    def interval(self) -> float:
        return self.period_seconds / self.count


class RateLimiter:
    def __init__(self, limit: Limit, monotonic: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self.limit = limit
        self.monotonic = monotonic
        self.max_keys = max_keys
        self._ready_at: dict[str, float] = {}  # the theoretical arrival time of each key's next request

    def take(self, key: str) -> float:
        """0 if the request may go ahead (and it is counted); else the seconds to wait."""
        now = self.monotonic()
        ready_at = max(self._ready_at.get(key, now), now)
        after = ready_at + self.limit.interval
        if after - now > self.limit.period_seconds:
            return after - now - self.limit.period_seconds
        if key not in self._ready_at and len(self._ready_at) >= self.max_keys:
            self._forget_idle(now)
        self._ready_at[key] = after
        return 0.0

    def _forget_idle(self, now: float) -> None:
        # A key whose bucket is full again is the same as an absent key. Under a flood of
        # distinct keys the oldest go too: memory stays bounded, at the price of leniency.
        self._ready_at = {k: t for k, t in self._ready_at.items() if t > now}
        for key in list(self._ready_at)[:max(0, len(self._ready_at) - self.max_keys // 2)]:
            del self._ready_at[key]


@dataclass(frozen=True)
class Limits:
    """The gateway's four budgets: logins per address and per identifier, writes per
    address and per person."""
    login_by_address: RateLimiter
    login_by_identifier: RateLimiter
    writes_by_address: RateLimiter
    writes_by_person: RateLimiter

    @classmethod
    def per_minute(cls, login_address: int, login_identifier: int, writes_address: int, writes_person: int,
                   monotonic: Callable[[], float] = time.monotonic) -> "Limits":
        return cls(*(RateLimiter(Limit(n, 60.0), monotonic)
                     for n in (login_address, login_identifier, writes_address, writes_person)))


def identifier_key(identifier: str) -> str:
    """One key however a phone number is written (identity normalises it properly)."""
    cleaned = identifier.strip().lower()
    return cleaned if "@" in cleaned else "".join(c for c in cleaned if c.isdigit())
