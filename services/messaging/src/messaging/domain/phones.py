"""The timezone a number most likely lives in. Numbers themselves are in E.164 through
revgen_common.phones, the form every service shares."""
from __future__ import annotations

import phonenumbers
from phonenumbers import timezone as number_timezones

from revgen_common.phones import InvalidPhone, normalize


def timezone_of(e164: str, fallback: str) -> str:
    """The lead's own timezone when the number pins one down, else the client's."""
    zones = [z for z in number_timezones.time_zones_for_number(phonenumbers.parse(e164)) if z != "Etc/Unknown"]
    return zones[0] if len(zones) == 1 else fallback


def phone_or_raw(raw_phone: str) -> str:
    """The E.164 form opt-outs are kept under; an invalid number is left as it is (no lead is
    made of it)."""
    try:
        return normalize(raw_phone)
    except InvalidPhone:
        return raw_phone
