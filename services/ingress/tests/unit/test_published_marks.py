"""Marks gather for a tick and go in one statement; a failed batch is tried again; a stop
writes what is pending."""
import asyncio
from datetime import date

import asyncpg

from ingress.adapters.ledger import Mark
from ingress.service_layer.marks import PublishedMarks


class RecordingLedger:
    def __init__(self, failures: int = 0):
        self.batches: list[list[Mark]] = []
        self.failures = failures

    async def mark_published(self, marks):
        if self.failures:
            self.failures -= 1
            raise asyncpg.exceptions.ConnectionDoesNotExistError("the database went away")
        self.batches.append(list(marks))


def marks(n: int) -> list[Mark]:
    return [Mark("stripe", f"evt_{i}", date(2026, 11, 28)) for i in range(n)]


async def add_then_stop(ledger: RecordingLedger, n: int, tick_seconds: float, running_seconds: float) -> None:
    """Add `n` marks at once, let the ticks run for `running_seconds`, then stop."""
    published = PublishedMarks(ledger, tick_seconds=tick_seconds)
    published.start()
    for mark in marks(n):
        published.add(mark)
    await asyncio.sleep(running_seconds)
    await published.stop()


async def test_marks_added_within_one_tick_are_written_in_one_batch():
    ledger = RecordingLedger()
    await add_then_stop(ledger, 100, tick_seconds=0.05, running_seconds=0.2)
    assert ledger.batches == [marks(100)]


async def test_a_batch_that_failed_is_written_on_a_later_attempt(monkeypatch):
    monkeypatch.setattr("ingress.service_layer.marks.RETRY_PAUSE_SECONDS", 0.01)
    ledger = RecordingLedger(failures=2)
    await add_then_stop(ledger, 10, tick_seconds=0.01, running_seconds=0.3)
    assert ledger.batches == [marks(10)]


async def test_stop_writes_what_is_still_pending():
    ledger = RecordingLedger()
    await add_then_stop(ledger, 7, tick_seconds=60, running_seconds=0)  # the tick would never come
    assert ledger.batches == [marks(7)]
