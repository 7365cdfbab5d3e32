"""Phone numbers in one form, E.164, the same in every service: a number travels from a
webhook to messaging, from identity to an escalation alert, and must compare equal.

Unicode digit forms (full-width, Arabic-Indic, …) are folded to ASCII first, so one number
typed two ways is one number (and cannot dodge a per-number limit)."""
from __future__ import annotations

import unicodedata
from typing import Annotated

import phonenumbers
from pydantic import Field

DEFAULT_REGION = "US"

# An E.164 number as an HTTP input field: '+', then 7 to 15 digits, the first not 0.
E164 = Annotated[str, Field(pattern=r"^\+[1-9]\d{6,14}$", examples=["+14155550100"])]


class InvalidPhone(ValueError):
    pass


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None else c
                   for c in unicodedata.normalize("NFKC", text))


def normalize(raw: str, region: str = DEFAULT_REGION) -> str:
    """`raw` as E.164 (a national number is read in `region`), or InvalidPhone."""
    try:
        number = phonenumbers.parse(_ascii_digits(raw).strip(), region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"not a phone number: {raw!r}") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
