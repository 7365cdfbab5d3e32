"""Each source's pace: one Pacer per source (revgen_common.pacing, as messaging paces Twilio),
keyed by client, so one client's polls and posts go at the per-client rate and all clients
together at the source's; a 429 holds the whole source for its Retry-After (ADR 0006, 0019)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from reputation.adapters.source_errors import Throttled
from revgen_common.errors import NotYet
from revgen_common.pacing import Pacer

T = TypeVar("T")


class SourcePace:
    def __init__(self, pacers: dict[str, Pacer]):
        self.pacers = pacers

    async def call(self, source: str, client_id: str, ticket: str, request: Callable[[], Awaitable[T]]) -> T:
        """`request` when the source's and the client's turn has come; NotYet until then."""
        pacer = self.pacers[source]
        wait = pacer.reserve(client_id, ticket)
        if wait > 0:
            raise NotYet(f"paced: {source} takes {client_id}'s next request in {wait:.3f}s", retry_after=wait)
        try:
            result = await request()
        except Throttled as error:
            pacer.throttled(error.retry_after or 0.0)
            raise
        pacer.succeeded()
        return result
