"""The services' own HTTP APIs are internal: a call must carry the service's credential.

The gateway (services/gateway) is the front door for people and integrators; behind it,
identity, billing, messaging and escalation answer only callers that present the shared
secret of that service (`<SERVICE>_API_TOKEN`, one per service: a leak of one service's
environment opens that service alone) in `X-Internal-Token`. The person's own session, where
a service needs it (identity), travels separately in `Authorization`.

Health, readiness and metrics stay open: orchestrators and Prometheus call them without
secrets, and they reveal nothing of a tenant.
"""
from __future__ import annotations

import hmac
import json

from starlette.types import ASGIApp, Receive, Scope, Send

HEADER = "X-Internal-Token"
OPEN_PATHS = ("/healthz", "/readyz", "/metrics")


def is_open(path: str, open_paths: tuple[str, ...] = OPEN_PATHS) -> bool:
    return any(path == p or path.startswith(p + "/") for p in open_paths)


class InternalCredential:
    """ASGI middleware: 401 before routing, body or dependencies for a call without the
    credential; the comparison takes the same time whatever the caller sent."""

    def __init__(self, app: ASGIApp, token: str, open_paths: tuple[str, ...] = OPEN_PATHS):
        if not token:
            raise ValueError("an internal API needs its credential")  # settings refuse this first
        self.app = app
        self.token = token.encode()
        self.open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_open(scope["path"], self.open_paths):
            await self.app(scope, receive, send)
            return
        presented = dict(scope["headers"]).get(HEADER.lower().encode(), b"")
        if hmac.compare_digest(presented, self.token):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error": "internal API: the X-Internal-Token credential is missing or wrong"}).encode()
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'InternalToken realm="revgen"')]})
        await send({"type": "http.response.body", "body": body})


def internal_headers(token: str) -> dict[str, str]:
    """What a caller (the gateway, a test) sends with every call to a service."""
    return {HEADER: token}


__all__ = ["HEADER", "OPEN_PATHS", "InternalCredential", "internal_headers", "is_open"]
