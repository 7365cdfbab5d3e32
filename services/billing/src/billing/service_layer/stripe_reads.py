"""Stripe reads for a webhook, made before its batch's transaction (a `Staged` prepare), so
a slow Stripe never holds a transaction, its locks or the batch's other events.

A read taken outside the lock may be older than one a concurrent transaction (the saga, a
subscription change, reconciliation) stores meanwhile. Every transaction that locks an
object bumps the object's version (`lock_object`); a prefetched read notes the version
before it goes to Stripe, and is used under the lock only if the version is unchanged —
then nobody stored the object since the read began, so it is the newest anyone has.
Otherwise the object is read again, under the lock, as before.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters import stripe_object_reads
from billing.adapters.stripe_gateway import Obj, StripeGateway
from revgen_common.unit_of_work import Transaction

Kind = Literal["subscription", "invoice", "charge", "dispute", "customer"]
def _retrieve(stripe: StripeGateway, kind: Kind) -> Callable[[str], Awaitable[Obj | None]]:
    v1 = stripe.v1
    return {
        "subscription": stripe.retrieve_subscription,
        "invoice": lambda id: stripe.find(v1.invoices.retrieve_async(id)),
        "charge": lambda id: stripe.find(v1.charges.retrieve_async(id)),
        "dispute": lambda id: stripe.find(v1.disputes.retrieve_async(id)),
        "customer": lambda id: stripe.find(v1.customers.retrieve_async(id)),
    }[kind]


async def lock_object(uow: Transaction, object_id: str) -> int:
    """Until the transaction ends, one transaction at a time handles this Stripe object, even
    before any row for it exists (the saga and a webhook racing to store a new subscription).
    Returns the object's version before this lock bumped it (stripe_reads)."""
    return await stripe_object_reads.lock_and_bump(uow.connection, object_id) - 1


def objects_read_by(event: dict[str, Any]) -> list[tuple[Kind, str]]:
    """The Stripe objects the handler of `event` reads (stripe_events' routes: stripe_customers, stripe_payments)."""
    kind, obj = event.get("type", ""), (event.get("data") or {}).get("object") or {}
    if kind.startswith("customer.subscription."):
        return [("subscription", obj["id"])]
    if kind.startswith("invoice."):
        return [("invoice", obj["id"])]
    if kind == "checkout.session.completed" and obj.get("subscription"):
        return [("subscription", obj["subscription"])]
    if kind == "charge.refunded":
        return [("charge", obj["id"])]
    if kind.startswith("charge.dispute."):
        return [("dispute", obj["id"]), ("charge", obj["charge"])]
    if kind == "customer.updated":
        return [("customer", obj["id"])]
    return []


@dataclass(frozen=True)
class _Read:
    version: int  # the object's version when the read began (0: never locked)
    obj: Obj | None


@dataclass
class StripeReads:
    """How a handler reads Stripe objects: prefetched where still valid, else live."""

    stripe: StripeGateway
    prefetched: dict[str, _Read] = field(default_factory=dict)

    @classmethod
    async def prefetch(cls, engine: AsyncEngine, stripe: StripeGateway, wanted: list[tuple[Kind, str]]) -> StripeReads:
        """Outside any transaction: each object's version first, then Stripe, all at once."""
        async with engine.connect() as db:
            versions = await stripe_object_reads.versions(db, [object_id for _, object_id in wanted])
        objects = await asyncio.gather(*(_retrieve(stripe, kind)(object_id) for kind, object_id in wanted))
        return cls(stripe, {object_id: _Read(versions.get(object_id, 0), obj)
                            for (_, object_id), obj in zip(wanted, objects, strict=True)})

    async def locked(self, uow: Transaction, kind: Kind, object_id: str) -> Obj | None:
        """The object as Stripe has it now, with its lock held until `uow` ends."""
        previous = await lock_object(uow, object_id)
        read = self.prefetched.pop(object_id, None)  # good for one lock: the next one bumped the version
        if read is not None and read.version == previous:
            return read.obj
        return await _retrieve(self.stripe, kind)(object_id)

    async def unlocked(self, kind: Kind, object_id: str) -> Obj | None:
        """For facts that never change (a charge's customer): any read will do."""
        read = self.prefetched.get(object_id)
        return read.obj if read is not None else await _retrieve(self.stripe, kind)(object_id)
