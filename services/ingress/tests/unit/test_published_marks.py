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


async def test_marks_added_within_one_tick_are_written_in_one_batch():
    ledger = RecordingLedger()
    published = PublishedMarks(ledger, tick_seconds=0.05)
    published.start()
    for mark in marks(100):
        published.add(mark)
    await asyncio.sleep(0.2)
    await published.stop()
    assert ledger.batches == [marks(100)]


async def test_a_batch_that_failed_is_written_on_a_later_attempt(monkeypatch):
    monkeypatch.setattr("ingress.service_layer.marks.RETRY_PAUSE_SECONDS", 0.01)
    ledger = RecordingLedger(failures=2)
    published = PublishedMarks(ledger, tick_seconds=0.01)
    published.start()
    for mark in marks(10):
        published.add(mark)
    await asyncio.sleep(0.3)
    await published.stop()
    assert ledger.batches == [marks(10)]


async def test_stop_writes_what_is_still_pending():
    ledger = RecordingLedger()
    published = PublishedMarks(ledger, tick_seconds=60)  # the tick would never come
    published.start()
    for mark in marks(7):
        published.add(mark)
    await published.stop()
    assert ledger.batches == [marks(7)]
