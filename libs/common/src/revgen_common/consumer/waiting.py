"""A partition's messages waiting in memory for their next try (ADR 0006): no seek, no
fetch, so a wait is exactly what was asked."""
from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass

from revgen_common.consumer.received import NOT_PREPARED, Received, still_preparing
from revgen_common.errors import NotYet


@dataclass
class Retry:
    """A partition's messages not applied yet, waiting in memory for their next try."""
    pending: list[Received]
    attempts: int  # tries of the first that failed: its backoff grows with them
    unexpected: int  # of those, unexpected errors (bugs): a few, and it is dead-lettered
    due: float  # event-loop time: when the first of them may make progress (inf: when its preparation ends)
    timer: asyncio.TimerHandle | None = None
    armed: bool = False  # once the worker that failed has finished
    preparing_first: bool = False  # it waits for its first message's preparation to end

    @property
    def offset(self) -> int:
        return int(self.pending[0].record.offset)

    def arm(self, wake: Callable[[], None]) -> None:
        """`wake` when the wait is over — a timer, not a poll, so it ends when it should — or
        when the preparation the first message waits for ends (at once if it has meanwhile)."""
        self.armed = True
        if self.due != math.inf:
            self.timer = asyncio.get_running_loop().call_at(self.due, wake)
        if self.preparing_first:  # (called at once if it ended after it was seen running)
            assert self.pending[0].preparing is not None
            self.pending[0].preparing.add_done_callback(lambda _: wake())

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def waiting(pending: list[Received], attempts: int, delay: float, now: float, *, keep_first: bool = False,
            unexpected: int = 0) -> Retry:
    """`pending[0]` waits `delay`. What was prepared for the messages behind it is kept, so a
    provider is not asked twice; those whose preparation must wait keep their own time (a
    booked turn), the others wait as long as the first. The partition wakes for the earliest
    of them: prepares of other keys need not wait for the first message, only their results
    are applied in order. A preparation still running is left alone: it is not started
    again, and its end wakes the partition (runtime.py); behind a first message still being
    prepared, a failure keeps its error until it is applied, and gets its own wait then."""
    # An endless delay: the first message was still being prepared when it was tried. Its
    # preparation may have ended since; it is kept, and it is what wakes the partition.
    due, preparing_first = now + delay, delay == math.inf
    for position, item in enumerate([] if preparing_first else pending):
        if still_preparing(item):
            continue
        if position == 0:
            if not (keep_first or item.not_before > now):  # (not tried this time: it only waits on)
                item.prepared, item.failed = NOT_PREPARED, None
            item.not_before = max(item.not_before, due)
        elif item.failed is not None:
            if not isinstance(item.failed, NotYet):
                item.not_before = max(item.not_before, due)
            item.prepared, item.failed = NOT_PREPARED, None
    wake = min([due] + [item.not_before for item in pending[1:] if item.not_before > now])
    return Retry(pending, attempts, unexpected, wake, preparing_first=preparing_first)
