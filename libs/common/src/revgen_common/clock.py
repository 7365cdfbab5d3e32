"""The one clock every rule reads: a callable that returns an aware UTC datetime.

Rules that decide by the calendar (monthly counters, daily summaries, quiet and business
hours, OTP and session expiry, claim timers, retention) take a `Clock` from their service's
composition root instead of calling `datetime.now` themselves, so tests can run them at
any instant (`revgen_common.testing.clock.FakeClock`). Pacing and timeouts measure
durations, not dates, and keep `time.monotonic`.

Zones: instants are UTC everywhere; a rule that speaks of a client's "day" or "month"
converts with `local_date`/`local_month` in the client's own zone (docs/architecture.md,
"Time").
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def local_date(instant: datetime, zone: str) -> date:
    """The calendar day it is at `instant` where the wall clocks show `zone`'s time."""
    return instant.astimezone(ZoneInfo(zone)).date()


def local_month(instant: datetime, zone: str) -> str:
    """`YYYY-MM` of `instant` in `zone`: the month a monthly counter counts it in."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m")
