"""Login identifiers: phone numbers in E.164, or lower-cased e-mail addresses.

Phone digits are normalised first (NFKC), so full-width or other Unicode digit forms of
one number are one identity and cannot be used to dodge per-number limits.
"""
from __future__ import annotations

import re
import unicodedata

import phonenumbers

DEFAULT_REGION = "US"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidIdentifier(ValueError):
    pass


def _ascii_digits(text: str) -> str:
    """Every Unicode decimal digit (Arabic-Indic, full-width, …) as its ASCII digit."""
    return "".join(str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None else c
                   for c in unicodedata.normalize("NFKC", text))


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    text = _ascii_digits(raw).strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidIdentifier(f"not a phone number: {error}") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_identifier(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    if "@" in text:
        if not _EMAIL.match(text) or not text.isascii():
            raise InvalidIdentifier("not a valid e-mail address")
        return text.lower()
    return normalise_phone(text)
