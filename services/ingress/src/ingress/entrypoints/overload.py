"""Refusing webhooks beyond what one process finishes in time, before any work is spent on them."""
from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ingress import metrics

RETRY_AFTER_SECONDS = "5"
UNAVAILABLE_BODY = b'{"error":"temporarily unavailable, retry later"}'
LIMITED_PREFIX = "/webhooks/"  # probes and metrics must answer under load

_UNAVAILABLE_START = {
    "type": "http.response.start", "status": 503,
    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(UNAVAILABLE_BODY)).encode()),
                (b"retry-after", RETRY_AFTER_SECONDS.encode())],
}
_UNAVAILABLE_BODY = {"type": "http.response.body", "body": UNAVAILABLE_BODY}
_OVERLOADED = metrics.REJECTED.labels("overloaded")


class InFlightLimit:
    """The outermost ASGI layer: beyond `limit` webhooks in flight, answer 503 + Retry-After
    at once, before routing, reading the body or checking a signature, instead of queueing
    into timeouts (Twilio gives up after 15 s). The refusal sends two pre-built messages,
    so it costs little beside the requests the process did take."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LIMITED_PREFIX):
            return await self.app(scope, receive, send)
        if self.in_flight >= self.limit:
            _OVERLOADED.inc()
            await send(_UNAVAILABLE_START)
            await send(_UNAVAILABLE_BODY)
            return
        self.in_flight += 1
        metrics.IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            metrics.IN_FLIGHT.dec()
