"""An injectable clock for tests: they move time instead of sleeping, and start at a fixed
instant, never the wall clock's, so a test passes the same on any day.

Tests marked `calendar` run once from every instant in `CALENDAR_EDGES` (the pytest plugin
in revgen_devstack parametrizes their `clock_start`): the last second of a month, a leap
day, the nights US daylight saving time starts and ends, New Year's Eve. Such a test
states its times relative to its clock (`clock.at_local(...)`), never as fixed dates.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The instant an ordinary test starts at: a Saturday, 10:00 in New York, far from any edge.
DEFAULT_START = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)


def _at(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(zone)).astimezone(UTC)


CALENDAR_EDGES: dict[str, datetime] = {
    "ordinary-day": DEFAULT_START,
    "last-second-of-a-month-utc": datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
    "last-second-of-a-month-new-york": _at("America/New_York", 2027, 4, 30, 23, 59, 59),
    "leap-day-2028": datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
    "leap-day-2028-ends-los-angeles": _at("America/Los_Angeles", 2028, 2, 29, 23, 59, 59),
    # A second before 02:00 local becomes 03:00 (spring) or 01:00 again (autumn).
    "dst-starts-new-york": _at("America/New_York", 2027, 3, 14, 1, 59, 59),
    "dst-ends-new-york": _at("America/New_York", 2027, 11, 7, 1, 59, 59),
    "dst-starts-los-angeles": _at("America/Los_Angeles", 2027, 3, 14, 1, 59, 59),
    "dst-ends-los-angeles": _at("America/Los_Angeles", 2027, 11, 7, 1, 59, 59),
    "new-years-eve-utc": datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC),
    "new-years-eve-new-york": _at("America/New_York", 2027, 12, 31, 23, 59, 59),
}


class FakeClock:
    def __init__(self, start: datetime = DEFAULT_START):
        if start.tzinfo is None:
            raise ValueError("a clock tells aware time: give the start a zone")
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def local_date(self, zone: str) -> date:
        return self.now.astimezone(ZoneInfo(zone)).date()

    def at_local(self, zone: str, wall: time, *, days: int = 0) -> datetime:
        """Moves to the wall-clock time `wall` in `zone`, `days` after today there; returns it.
        A wall time that does not exist that day (skipped by DST) resolves as zoneinfo does."""
        day = self.local_date(zone) + timedelta(days=days)
        self.now = datetime.combine(day, wall, ZoneInfo(zone)).astimezone(UTC)
        return self.now

    def next_local(self, zone: str, wall: time) -> datetime:
        """Moves forward to the next time the wall clocks in `zone` show `wall`."""
        before = self.now
        if self.at_local(zone, wall) <= before:
            self.at_local(zone, wall, days=1)
        return self.now


class FakeMonotonic:
    """A stand-in for time.monotonic (seconds as a float), for rules that pace and lease."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
