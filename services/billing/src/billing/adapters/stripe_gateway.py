"""The only place billing talks to Stripe: the official SDK's async API, plain dicts out,
and every Stripe failure turned into our two kinds — transient (try again later, with
Stripe's Retry-After) or permanent (retrying cannot help)."""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

import stripe

from revgen_common.errors import PermanentError, TransientError

Obj = dict[str, Any]


class StripeNotFound(PermanentError):
    pass


class StripeRefused(PermanentError):
    """Stripe understood the request and said no (a declined card, an invalid parameter)."""


def _retry_after(error: stripe.StripeError) -> float | None:
    value = (error.headers or {}).get("retry-after") or (error.headers or {}).get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def translate(error: stripe.StripeError) -> Exception:
    # A lost connection or a 5xx may have committed at Stripe: the caller retries with the
    # SAME idempotency key, which returns the original object instead of a second one (E1).
    if isinstance(error, (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)):
        return TransientError(f"stripe unavailable: {error}", retry_after=_retry_after(error))
    if isinstance(error, stripe.IdempotencyError) and error.http_status == 409:
        return TransientError("stripe: the same idempotent request is still in flight", retry_after=1.0)
    if isinstance(error, stripe.InvalidRequestError) and error.http_status == 404:
        return StripeNotFound(str(error))
    if isinstance(error, stripe.AuthenticationError):
        return TransientError(f"stripe refused our API key: {error}")  # an operator must fix it; lose nothing
    return StripeRefused(f"stripe refused: {error}")


def _plain(obj: Any) -> Obj:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class StripeGateway:
    def __init__(self, api_key: str, api_base: str, timeout: float = 10.0):
        self._client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base.rstrip("/")}, max_network_retries=0,
            http_client=stripe.HTTPXClient(timeout=timeout))
        self.v1 = self._client.v1

    async def call(self, request: Awaitable[Any]) -> Obj:
        try:
            return _plain(await request)
        except stripe.StripeError as error:
            raise translate(error) from error

    async def find(self, request: Awaitable[Any]) -> Obj | None:
        try:
            return await self.call(request)
        except StripeNotFound:
            return None

    @staticmethod
    def keyed(key: str) -> stripe.RequestOptions:
        return {"idempotency_key": key}

    # -- the calls billing makes --------------------------------------------------------

    async def retrieve_subscription(self, subscription_id: str) -> Obj | None:
        return await self.find(self.v1.subscriptions.retrieve_async(subscription_id))

    async def search_one(self, service: Any, metadata_key: str, value: str) -> Obj | None:
        """Stripe's idempotency keys expire after 24 h: past that, look before creating."""
        try:
            found = await service.search_async({"query": f"metadata['{metadata_key}']:'{value}'"})
        except stripe.StripeError as error:
            raise translate(error) from error
        items = [_plain(o) for o in found.data]
        return items[0] if items else None

    async def each(self, service: Any, params: dict[str, Any]) -> AsyncIterator[Obj]:
        try:
            page = await service.list_async(params)
            async for obj in page.auto_paging_iter():
                yield _plain(obj)
        except stripe.StripeError as error:
            raise translate(error) from error
