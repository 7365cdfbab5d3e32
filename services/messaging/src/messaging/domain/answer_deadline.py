"""When an inbound SMS must have its answer: one deadline per message, counted from the
webhook's receipt. The assistant is tried within it, each try on a shorter timeout; once a
try no longer fits, the holding reply goes out instead (and a person is asked to step in).
The deadline is when the answer is sent, so the tries end `send_reserve` before it: the
answer's own way out (its transaction, the relay, the sender, Twilio) takes time too.

Pure: the caller passes the times.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# A failure that came back fast (a 5xx, a refused connection) with no hint of its own is
# tried again after this, so a broken assistant is not hammered for the whole deadline.
PAUSE_AFTER_FAILURE = 0.5
# A try with less time than this left cannot bring an answer back: holding reply instead.
SHORTEST_TRY = 0.5


@dataclass(frozen=True)
class AnswerDeadline:
    seconds: float = 8.0  # from the webhook's receipt to the answer (or the holding reply)
    try_timeout: float = 3.0  # one try of the assistant
    send_reserve: float = 0.5  # of `seconds`, kept for sending the answer

    def __post_init__(self) -> None:
        if self.seconds <= 0 or self.try_timeout <= 0:
            raise ValueError("the deadline and the try timeout must be positive")
        if not 0 <= self.send_reserve < self.seconds:
            raise ValueError("the send reserve must be at least 0 and shorter than the deadline")

    def left(self, received_at: datetime, now: datetime) -> float:
        """Seconds left for the assistant before the holding reply is due (0 or less: it is
        due): the deadline less the time since the webhook and the send reserve."""
        return self.seconds - self.send_reserve - (now - received_at).total_seconds()

    def timeout(self, left: float) -> float | None:
        """How long the next try may take; None when no try fits any more."""
        return min(self.try_timeout, left) if left >= SHORTEST_TRY else None

    def wait_for_a_try(self, left: float, wait: float) -> float:
        """A wait for capacity (fair share), cut short so that a last try still fits after it."""
        return max(0.0, min(wait, left - SHORTEST_TRY))

    def pause(self, left: float, retry_after: float | None, timed_out: bool) -> float | None:
        """How long to wait before trying again after a failed try (a provider's Retry-After
        is honoured, never shortened); None when the next try would no longer fit."""
        pause = retry_after if retry_after is not None else (0.0 if timed_out else PAUSE_AFTER_FAILURE)
        return pause if self.timeout(left - pause) is not None else None
