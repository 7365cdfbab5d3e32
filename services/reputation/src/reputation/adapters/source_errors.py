"""How a review source's failures reach the service layer: the grant is gone (stop using
the connection, tell the owner), the source is throttling us (hold the source's pacer),
or something waiting can fix."""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import httpx

from revgen_common.errors import TransientError

DEFAULT_RETRY_AFTER = 30.0  # a throttle without a usable Retry-After


class GrantRevoked(Exception):
    """The source refused the client's grant for good (Google's invalid_grant, Facebook's
    code 190): only the client's owner connecting again can fix it."""


class Throttled(TransientError):
    """The source said slow down: `retry_after` seconds for every client of the source."""


class TokenRejected(TransientError):
    """The access token was refused (expired early, rotated): refresh it, then try again."""


def retry_after(headers) -> float:
    try:
        seconds = float(headers.get("retry-after"))
    except (TypeError, ValueError):  # absent, or an HTTP date
        return DEFAULT_RETRY_AFTER
    return seconds if math.isfinite(seconds) and seconds >= 0 else DEFAULT_RETRY_AFTER


async def call_source(http: httpx.AsyncClient, name: str, method: str, url: str, token: str,
                      refusal: Callable[[httpx.Response], Exception], **kwargs: Any) -> dict:
    """One request to a source as the client (its bearer token): the JSON answer, or the
    failure as ours. What only waiting fixes is the same for every source; a 4xx is the
    source's own to explain (`refusal`)."""
    try:
        answer = await http.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    except httpx.TransportError as error:
        raise TransientError(f"{name} unreachable: {error}") from error
    if answer.status_code == 429:
        raise Throttled(f"{name}: 429", retry_after=retry_after(answer.headers))
    if answer.status_code >= 500:
        raise TransientError(f"{name} answered {answer.status_code}")
    if answer.status_code >= 400:
        raise refusal(answer)
    return answer.json()
