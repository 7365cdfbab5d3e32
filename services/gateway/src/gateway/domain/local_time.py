"""A time a person types in the client's own zone (an `<input type="datetime-local">`), made an
instant: strictly the form's shape, and refused when the clocks skip it there."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


def at_local(value: str, zone: str) -> datetime:
    """'2026-12-07T15:30' in `zone`, as an aware datetime; ValueError naming what is wrong."""
    if not _LOCAL.match(value):
        raise ValueError("is not a date and time like 2026-12-07T15:30")
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a date and time like 2026-12-07T15:30") from None
    local = naive.replace(tzinfo=ZoneInfo(zone))
    if local.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) != naive:
        raise ValueError(f"does not exist in {zone} (the clocks go forward then)")
    return local
