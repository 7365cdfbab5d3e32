"""Cross-site request forgery: what a state-changing request authenticated by the session
cookie must show besides the cookie (a bearer token cannot be sent by another site).

- a CSRF token bound to the session: HMAC-SHA256 of the session token keyed with the
  gateway's CSRF_SECRET, so it needs no storage and dies with the session;
- an Origin (or, without one, a Referer) that is the gateway's own public origin.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit


def csrf_token(secret: bytes, session_token: str) -> str:
    digest = hmac.new(secret, b"csrf:" + session_token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_matches(secret: bytes, session_token: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(csrf_token(secret, session_token).encode(),
                                                         presented.encode("utf-8", "replace"))


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{port}"


def sent_from(origin: str | None, referer: str | None) -> str | None:
    """Where the browser says the request comes from: Origin, else Referer's origin."""
    if origin and origin != "null":
        return origin_of(origin)
    if referer:
        return origin_of(referer)
    return None
