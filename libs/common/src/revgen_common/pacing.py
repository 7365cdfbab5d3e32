"""How fast we may call a provider: a schedule of turns per key (Twilio's sending number, a
review source's client), a token bucket for the account, and, once the provider answers 429,
a hold on the whole account that lets one probe through at a time until a request works again.
Messaging paces Twilio and Resend with it, reputation its review sources (ADR 0006, 0019).

A number's turns come one every 1/rate seconds (up to a second's worth at once, as a token
bucket would allow). A send that must wait for its number books the next free turn under its
ticket (its send id) and is told exactly when that is; whoever asks later gets a later turn.
So a queue on one number drains at exactly the configured rate, each sender coming back once,
at its own time, instead of all of them racing for every free slot and most losing.

Pure and synchronous: callers ask before each send and report what Twilio answered. The
answer is a wait, never a sleep, so the consumer pauses its partition instead of blocking.
One Pacer per process, used from one event loop (no locks: nothing here awaits).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# While the probe is out, everyone else asks again soon: the probe's answer lands quickly.
PROBE_PENDING_WAIT = 0.5
# A probe that never reports (a timeout, a 5xx, a cancelled task) frees its slot after this.
PROBE_LEASE = 15.0
# A booked turn not taken within half an interval (and at least a quarter second, timers
# under load run late) is given up, and its sender books the next free one: turns their
# senders missed (held up elsewhere, or by a 429 hold) must not all go out together.
MISSED_TURN = 0.5
MISSED_TURN_AT_LEAST = 0.25


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


@dataclass
class Turns:
    """One number's schedule: a turn every `interval`, running at most `burst` ahead of time
    (the generic cell rate algorithm: a token bucket kept as the time of the next free turn).

    A turn is anchored to the schedule, not to when it was taken: taken up to `grace` late,
    it does not push the turns after it back, so a number fed at exactly its rate keeps up
    although every send is a little late. Later than that, the schedule starts again."""
    interval: float
    burst: float  # how far ahead the schedule may run: (capacity - 1) * interval
    next_free: float  # after every turn taken or booked
    taken_until: float  # after every turn taken: what remains when booked turns are missed
    booked: dict[str, float] = field(default_factory=dict)  # ticket -> its turn

    @classmethod
    def every(cls, interval: float, now: float) -> Turns:
        return cls(interval, (max(1.0, 1.0 / interval) - 1) * interval, now, now)

    @property
    def grace(self) -> float:
        return max(MISSED_TURN * self.interval, MISSED_TURN_AT_LEAST)

    def of(self, ticket: str | None, now: float, *, book_now: bool) -> float:
        """When `ticket` may go (a time at or before `now`: it may go now): its booked turn,
        or the next free one. A turn in the future is booked for it (asking again answers the
        same time); a free turn now only if `book_now`. Without a ticket nothing is booked."""
        self._forget_missed(now)
        if ticket in self.booked:
            return self.booked[ticket]
        free = self.next_free - self.burst
        if free < now - self.grace:
            free = now  # idle: the schedule starts again now
        elif abs(free - now) < 1e-9:
            free = now  # float dust from adding up intervals is not a wait
        if ticket is not None and (free > now or book_now):
            self.booked[ticket] = free
            self.next_free = max(self.next_free, free) + self.interval
        return free

    def taken(self, ticket: str | None, turn: float) -> None:
        if ticket is None or self.booked.pop(ticket, None) is None:  # a turn nobody had booked
            self.next_free = max(self.next_free, turn) + self.interval
        self.taken_until = max(self.taken_until, turn) + self.interval

    def _forget_missed(self, now: float) -> None:
        missed = [t for t, turn in self.booked.items() if now - turn > self.grace]
        if not missed:
            return
        for ticket in missed:  # their senders were held up elsewhere: they book again, at the end
            del self.booked[ticket]
        next_free = self.taken_until  # and the turns they missed are free for whoever comes now
        for turn in sorted(self.booked.values()):
            next_free = max(next_free, turn) + self.interval
        self.next_free = next_free


class Pacer:
    def __init__(self, per_number_per_second: float, per_account_per_second: float,
                 clock: Callable[[], float] = time.monotonic, probe_lease: float = PROBE_LEASE):
        if per_number_per_second <= 0 or per_account_per_second <= 0:
            raise ValueError("rates must be positive")
        self._interval = 1.0 / per_number_per_second
        self._clock = clock
        self._probe_lease = probe_lease
        self._account = TokenBucket.full(per_account_per_second, clock())
        self._numbers: dict[str, Turns] = {}
        self._held_until: float | None = None  # set from a 429 until a send works again
        self._probe_sent_at: float | None = None

    def wait(self, from_number: str, ticket: str | None = None) -> float:
        """What `reserve` would answer, taking nothing: a cheap look before other work. A
        ticket that must wait for its number's turn books it even so."""
        return self._ask(from_number, ticket, take=False)

    def reserve(self, from_number: str, ticket: str | None = None) -> float:
        """0.0: send now (the turn is taken). Otherwise the seconds to wait before asking
        again; when that is the number's pace, `ticket`'s turn is booked for then."""
        return self._ask(from_number, ticket, take=True)

    def _ask(self, from_number: str, ticket: str | None, *, take: bool) -> float:
        now = self._clock()
        held = self._hold(now)
        if held > 0:
            return held
        number = self._numbers.get(from_number)
        if number is None:
            number = self._numbers[from_number] = Turns.every(self._interval, now)
        turn = number.of(ticket, now, book_now=take)
        if turn > now:
            return turn - now
        account = self._account.wait(now)
        if account > 0 or not take:
            return account  # a ticket's turn stays booked while the account makes it wait
        number.taken(ticket, turn)
        self._account.take()
        if self._held_until is not None:
            self._probe_sent_at = now  # this request is the probe
        return 0.0

    def _hold(self, now: float) -> float:
        if self._held_until is not None:
            if now < self._held_until:
                return self._held_until - now
            if self._probe_sent_at is not None and now - self._probe_sent_at < self._probe_lease:
                return PROBE_PENDING_WAIT
        return 0.0

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
