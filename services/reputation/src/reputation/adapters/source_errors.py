"""How a review source's failures reach the service layer: the grant is gone (stop using
the connection, tell the owner), the source is throttling us (hold the source's pacer),
or something waiting can fix."""
from __future__ import annotations

import math

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
