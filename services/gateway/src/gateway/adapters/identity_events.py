"""The feed that keeps the decision cache honest: identity.events read from its end
(adapters/following.py). Until it is live (and after any error) the cache is not used at all;
an event about a client or person forgets every answer that could depend on it."""
from __future__ import annotations

from gateway.adapters.following import FollowFromEnd
from gateway.service_layer.decision_cache import DecisionCache
from revgen_common.envelope import Envelope
from revgen_common.topics import IDENTITY_EVENTS


class InvalidationFeed(FollowFromEnd):
    def __init__(self, bootstrap_servers: str, cache: DecisionCache, topic: str = IDENTITY_EVENTS.name,
                 stale_after: float = 2.0):
        super().__init__(bootstrap_servers, [topic], stale_after)
        self.cache = cache
        cache.live = self.live

    def started(self) -> None:
        self.cache.forget()  # nothing cached before this point is trusted

    def stopped(self) -> None:
        self.cache.forget()

    def apply(self, value: bytes) -> None:
        try:
            event = Envelope.from_bytes(value)
        except Exception:
            self.cache.forget()  # cannot tell what it was about: forget everything
            return
        payload = event.payload if isinstance(event.payload, dict) else {}
        client_id = payload.get("client_id") or event.client_id
        person_id = payload.get("person_id")
        self.cache.forget(client_id=str(client_id) if client_id else None,
                          person_id=str(person_id) if person_id else None)
