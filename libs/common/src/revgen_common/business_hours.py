"""Who is on duty: by a client's business hours (messaging's `BusinessHoursSet`) in its own
timezone. Escalation wakes the team by it, voice rings the team by it. A client whose
hours are not known yet has everyone on duty: nobody is skipped for lack of data."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo


def on_duty(hours: Mapping[str, Sequence[Sequence[str]]] | None, timezone: str | None, at: datetime) -> bool:
    if not hours or not timezone:
        return True
    local = at.astimezone(ZoneInfo(timezone))
    for opens, closes in hours.get(str(local.weekday()), []):
        if time.fromisoformat(opens) <= local.time() < _closing(closes):
            return True
    return False


def _closing(closes: str) -> time:
    """A closing time of 00:00 is the day's end (open until midnight), not its start."""
    parsed = time.fromisoformat(closes)
    return time.max if parsed == time(0) else parsed
