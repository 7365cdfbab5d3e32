"""A partition's messages waiting in memory for their next try (ADR 0006): no seek, no
fetch, so a wait is exactly what was asked."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from revgen_common.consumer.received import NOT_PREPARED, Received
from revgen_common.errors import NotYet


@dataclass
class Retry:
    """A partition's messages not applied yet, waiting in memory for their next try."""
    pending: list[Received]
    attempts: int
    due: float  # event-loop time: when the first of them may make progress
    timer: asyncio.TimerHandle | None = None  # armed once the worker that failed has finished

    @property
    def offset(self) -> int:
        return int(self.pending[0].record.offset)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def waiting(pending: list[Received], attempts: int, delay: float, now: float, *, keep_first: bool = False) -> Retry:
    """`pending[0]` waits `delay`. What was prepared for the messages behind it is kept, so a
    provider is not asked twice; those whose preparation must wait keep their own time (a
    booked turn), the others wait as long as the first. The partition wakes for the earliest
    of them: prepares of other keys need not wait for the first message, only their results
    are applied in order."""
    due = now + delay
    for position, item in enumerate(pending):
        if position == 0:
            if not (keep_first or item.not_before > now):  # (not tried this time: it only waits on)
                item.prepared, item.failed = NOT_PREPARED, None
            item.not_before = max(item.not_before, due)
        elif item.failed is not None:
            if not isinstance(item.failed, NotYet):
                item.not_before = max(item.not_before, due)
            item.prepared, item.failed = NOT_PREPARED, None
    wake = min([due] + [item.not_before for item in pending[1:] if item.not_before > now])
    return Retry(pending, attempts, wake)
