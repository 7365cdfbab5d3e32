"""Login identifiers: phone numbers in E.164 (revgen_common.phones, the one form every
service uses), or lower-cased e-mail addresses."""
from __future__ import annotations

import re
import unicodedata

from revgen_common.phones import InvalidPhone, normalize

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidIdentifier(ValueError):
    pass


def normalise_identifier(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    if "@" in text:
        if not _EMAIL.match(text) or not text.isascii():
            raise InvalidIdentifier("not a valid e-mail address")
        return text.lower()
    try:
        return normalize(text)
    except InvalidPhone as error:
        raise InvalidIdentifier(str(error)) from None
