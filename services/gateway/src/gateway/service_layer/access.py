"""May this session do this? Asked of identity once, then answered from the cache until
identity.events says something changed (service_layer/decision_cache.py)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from gateway.adapters.identity import IdentityClient
from gateway.domain.decisions import Decision
from gateway.metrics import DECISIONS
from gateway.service_layer.decision_cache import DecisionCache
from revgen_common.tokens import token_hash

# Finds the client that owns an object (`OnClientOf.owner`): its id, or None if no such object.
Locator = Callable[[str], Awaitable[str | None]]


class Access:
    def __init__(self, identity: IdentityClient, cache: DecisionCache, locators: dict[str, Locator]):
        self.identity = identity
        self.cache = cache
        self.locators = locators

    async def session(self, token: str) -> Decision:
        """Is the session valid? (Unauthenticated if not.)"""
        return await self.decide(token, "session", None, None)

    async def decide(self, token: str, kind: str, scope_id: str | None, permission: str | None) -> Decision:
        key = (token_hash(token), kind, scope_id, permission)
        cached = self.cache.get(key)
        if cached is not None:
            DECISIONS.labels("cache").inc()
            return cached
        generation = self.cache.generation
        decision = await self.identity.authorize(token, kind, scope_id, permission)
        DECISIONS.labels("identity").inc()
        self.cache.put(key, decision, generation, client_id=scope_id if kind == "client" else None)
        return decision

    async def owner_of(self, owner: str, object_id: str) -> str | None:
        return await self.locators[owner](object_id)

    def forget_session(self, token: str) -> None:
        self.cache.forget_session(token_hash(token))
