"""The one contract for lists, at the gateway and behind it (audit S4).

`?limit=` (1-100, default 50) and `?cursor=`: an opaque token for the position after the
last item of the previous page, which the caller passes back unchanged. The answer is
`{"data": [...], "next": "<cursor>" | null}`; `next` is null on the last page.

Positions are keysets (the sort key of the last item), never offsets, so page 1,000 costs
what page 1 does. A cursor is URL-safe base64 of a JSON array of strings; anything else is
refused with a 4xx naming the cursor, never a 500.
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_CURSOR_CHARS = 512

T = TypeVar("T")


class InvalidCursor(ValueError):
    """A cursor this list did not hand out."""


class Page(BaseModel, Generic[T]):
    data: list[T]
    next: str | None = Field(default=None, description="pass as ?cursor= for the next page; null on the last")


def encode_cursor(*position: str) -> str:
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> tuple[str, ...]:
    """The position a cursor stands for, or InvalidCursor (never anything else)."""
    if len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidCursor("cursor is too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor("cursor is not one this list handed out") from None
    if not (isinstance(position, list) and len(position) == arity and all(isinstance(p, str) for p in position)):
        raise InvalidCursor("cursor is not one this list handed out")
    return tuple(position)


def decode_keyset(cursor: str | None, *parsers: Callable[[Any], Any]) -> tuple[Any, ...]:
    """A cursor's position parsed field by field (`datetime.fromisoformat`, `uuid.UUID`, `int`),
    all None without a cursor; InvalidCursor when any field does not parse (a forged cursor
    must not reach the database as a 500)."""
    if cursor is None:
        return (None,) * len(parsers)
    try:
        return tuple(parse(value) for parse, value in zip(parsers, decode_cursor(cursor, len(parsers)), strict=True))
    except (ValueError, TypeError, OverflowError):
        raise InvalidCursor("cursor is not one this list handed out") from None


def next_cursor(rows: Sequence[Any], limit: int, position: Callable[[Any], tuple[Any, ...]]) -> str | None:
    """Given `limit + 1` rows fetched, the cursor after the page's last row (or None)."""
    return encode_cursor(*position(rows[limit - 1])) if len(rows) > limit else None


__all__ = ["DEFAULT_LIMIT", "MAX_CURSOR_CHARS", "MAX_LIMIT", "InvalidCursor", "Page", "decode_cursor", "decode_keyset",
           "encode_cursor",
           "next_cursor"]
