"""How fast we may call Twilio: a token bucket per sending number and one for the account,
and, once Twilio answers 429, a hold on the whole account that lets one probe through at a
time until a send works again.

Pure and synchronous: callers ask before each send and report what Twilio answered. The
answer is a wait, never a sleep, so the consumer pauses its partition instead of blocking.
One Pacer per process, used from one event loop (no locks: nothing here awaits).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# While the probe is out, everyone else asks again soon: the probe's answer lands quickly.
PROBE_PENDING_WAIT = 0.5
# A probe that never reports (a timeout, a 5xx, a cancelled task) frees its slot after this.
PROBE_LEASE = 15.0


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    refilled_at: float

    @classmethod
    def full(cls, rate: float, now: float) -> TokenBucket:
        capacity = max(1.0, rate)  # a second's worth, and room for at least one request
        return cls(rate, capacity, capacity, now)

    def wait(self, now: float) -> float:
        """Seconds until a token is available (0.0: one is available now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.refilled_at) * self.rate)
        self.refilled_at = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


class Pacer:
    def __init__(self, per_number_per_second: float, per_account_per_second: float,
                 clock: Callable[[], float] = time.monotonic, probe_lease: float = PROBE_LEASE):
        if per_number_per_second <= 0 or per_account_per_second <= 0:
            raise ValueError("rates must be positive")
        self._per_number = per_number_per_second
        self._clock = clock
        self._probe_lease = probe_lease
        self._account = TokenBucket.full(per_account_per_second, clock())
        self._numbers: dict[str, TokenBucket] = {}
        self._held_until: float | None = None  # set from a 429 until a send works again
        self._probe_sent_at: float | None = None

    def wait(self, from_number: str) -> float:
        """What `reserve` would answer, taking nothing: a cheap look before other work."""
        now = self._clock()
        return self._wait(now, self._bucket(from_number, now))

    def reserve(self, from_number: str) -> float:
        """0.0: send now (a slot is taken). Otherwise the seconds to wait before asking again
        (nothing is taken)."""
        now = self._clock()
        number = self._bucket(from_number, now)
        wait = self._wait(now, number)
        if wait > 0:
            return wait
        number.take()
        self._account.take()
        if self._held_until is not None:
            self._probe_sent_at = now  # this request is the probe
        return 0.0

    def _bucket(self, from_number: str, now: float) -> TokenBucket:
        number = self._numbers.get(from_number)
        if number is None:
            number = self._numbers[from_number] = TokenBucket.full(self._per_number, now)
        return number

    def _wait(self, now: float, number: TokenBucket) -> float:
        if self._held_until is not None:
            if now < self._held_until:
                return self._held_until - now
            if self._probe_sent_at is not None and now - self._probe_sent_at < self._probe_lease:
                return PROBE_PENDING_WAIT
        return max(number.wait(now), self._account.wait(now))

    def throttled(self, retry_after: float) -> None:
        """Twilio answered 429: hold every number until `retry_after` from now. Answers to
        requests already in flight may extend the hold, never shorten it."""
        until = self._clock() + max(retry_after, 0.0)
        self._held_until = max(until, self._held_until or until)
        self._probe_sent_at = None

    def succeeded(self) -> None:
        """Twilio took a request without a 429: normal pacing resumes."""
        self._held_until = None
        self._probe_sent_at = None
