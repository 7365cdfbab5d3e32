"""What an HTTP API accepts, as pydantic types: strings UTF-8 and PostgreSQL can hold,
integers that fit their columns, dates only in ISO form, and no field nobody declared.

Parsing is strict where lax parsing would guess: `true` is not 1, `"0"` is not a date,
`"yes"` is not a boolean. A refused value is reported by field, never echoed back.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, ClassVar

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# NUL is refused by PostgreSQL, lone surrogates cannot be encoded as UTF-8, and the other
# control characters have no business in a name or an id (C0, DEL, C1).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_WHITESPACE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _describe(character: str) -> str:
    if "\ud800" <= character <= "\udfff":
        return f"a lone surrogate (U+{ord(character):04X})"
    return "NUL (U+0000)" if character == "\x00" else f"a control character (U+{ord(character):04X})"


def _refusing(pattern: re.Pattern[str]) -> AfterValidator:
    def check(value: str) -> str:
        if found := pattern.search(value):
            raise ValueError(f"must not contain {_describe(found.group())}, found at position {found.start()}")
        return value
    return AfterValidator(check)


@dataclass(frozen=True)
class Line(GroupedMetadata):
    """One line of text: a name, an identifier, a key. Used as `Annotated[str, Line(100)]`
    (metadata, not a type, so that mypy can read the annotation)."""
    max_length: int
    min_length: int = 1
    refused: ClassVar[re.Pattern[str]] = _CONTROL

    def __iter__(self) -> Iterator[object]:
        yield Strict()
        yield Field(min_length=self.min_length, max_length=self.max_length)
        yield _refusing(self.refused)


@dataclass(frozen=True)
class Text(Line):
    """Free text that may span lines (tabs and line breaks allowed, other controls not)."""
    min_length: int = 0
    refused: ClassVar[re.Pattern[str]] = _CONTROL_BUT_WHITESPACE


Int32 = Annotated[int, Strict(), Field(ge=-INT32_MAX - 1, le=INT32_MAX)]  # an `integer` column
Int64 = Annotated[int, Strict(), Field(ge=-INT64_MAX - 1, le=INT64_MAX)]  # a `bigint` column
Flag = Annotated[bool, Strict()]


def _iso(kind: type, parse: Callable[[str], object]) -> BeforeValidator:
    def check(value: object) -> object:
        if isinstance(value, kind):
            return value
        if not isinstance(value, str):
            raise ValueError(f"must be an ISO 8601 {kind.__name__} string")
        try:
            return parse(value)
        except ValueError:
            raise ValueError(f"must be an ISO 8601 {kind.__name__}") from None
    return BeforeValidator(check)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a UTC offset")
    return value


IsoDate = Annotated[date, _iso(date, date.fromisoformat)]
IsoTime = Annotated[time, _iso(time, time.fromisoformat)]
IsoDateTime = Annotated[datetime, _iso(datetime, datetime.fromisoformat), AfterValidator(_aware)]


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError("must be a number")
    return value


Number = BeforeValidator(_number)  # for Decimal fields: a JSON number or numeric string, never `true`


class InputModel(BaseModel):
    """Base of every request body: a field nobody declared is a mistake worth a 422."""

    model_config = ConfigDict(extra="forbid")


__all__ = ["INT32_MAX", "INT64_MAX", "Flag", "InputModel", "Int32", "Int64", "IsoDate", "IsoDateTime", "IsoTime",
           "Line", "Number", "Text"]
