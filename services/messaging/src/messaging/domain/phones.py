"""Phone numbers in one form (E.164), and the timezone a number most likely lives in."""
from __future__ import annotations

import phonenumbers
from phonenumbers import timezone as number_timezones


class InvalidPhone(ValueError):
    pass


def normalize(raw: str, region: str = "US") -> str:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"not a phone number: {raw!r}") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def timezone_of(e164: str, fallback: str) -> str:
    """The lead's own timezone when the number pins one down, else the client's."""
    zones = [z for z in number_timezones.time_zones_for_number(phonenumbers.parse(e164)) if z != "Etc/Unknown"]
    return zones[0] if len(zones) == 1 else fallback
