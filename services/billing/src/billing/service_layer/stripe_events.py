"""Stripe's events (webhooks from ingress's topic, or found by reconciliation), each applied
once through the ledger: its id claimed in `stripe_events` and its route run in one
savepoint, so a redelivery, or reconciliation racing a webhook, finds it applied whole or not
at all. The routes re-fetch the object so that arrival order never matters (E9) and compare
it under its advisory lock (`lock_object`), so two transactions never both see the same
"before" and publish the same outcome twice: stripe_customers (subscriptions, checkout,
customers) and stripe_payments (invoices, charges, disputes). A webhook's Stripe reads are
made before its batch's transaction (`prepare`) and used under the lock while still the
newest (stripe_reads)."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters import stripe_records
from billing.adapters.stripe_gateway import StripeGateway
from billing.service_layer.stripe_customers import StripeCustomers
from billing.service_layer.stripe_payments import StripePayments
from billing.service_layer.stripe_reads import StripeReads, objects_read_by
from billing.service_layer.stripe_sync import UnknownClient
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts import billing as events
from revgen_common.contracts.webhooks import StripeEventReceived
from revgen_common.unit_of_work import Transaction

log = logging.getLogger(__name__)

Route = Callable[[Transaction, StripeReads, dict[str, Any]], Awaitable[None]]


class StripeEvents:
    def __init__(self, engine: AsyncEngine, stripe: StripeGateway):
        self.engine = engine
        self.stripe = stripe
        customers, payments = StripeCustomers(stripe), StripePayments(stripe)
        self.routes: dict[str, Route] = {
            **{f"customer.subscription.{t}": customers.subscription
               for t in ("created", "updated", "deleted", "paused", "resumed", "trial_will_end", "pending_update_applied")},
            **{f"invoice.{t}": payments.invoice for t in ("created", "finalized", "paid", "payment_succeeded",
                                                          "payment_failed", "payment_action_required",
                                                          "finalization_failed", "voided", "marked_uncollectible")},
            "checkout.session.completed": customers.checkout_completed,
            "checkout.session.expired": self._nothing_to_change,
            "charge.refunded": payments.charge,
            **{f"charge.dispute.{t}": payments.dispute for t in ("created", "updated", "closed")},
            "customer.updated": customers.customer,
            "customer.deleted": customers.customer_deleted,
            "payment_method.attached": customers.payment_method,
        }

    # Ingress's StripeEventReceived (the raw event, verified), Staged (handlers.py): its Stripe
    # reads first, outside the batch's transaction, then the event applied in it.
    async def read_ahead(self, message: Delivered[StripeEventReceived]) -> StripeReads:
        return await StripeReads.prefetch(self.engine, self.stripe, objects_read_by(message.body.raw))

    async def apply_received(self, message: Delivered[StripeEventReceived], ctx: HandlerContext, reads: object) -> None:
        assert isinstance(reads, StripeReads)
        await self.apply(ctx, message.body.raw, source="webhook", reads=reads)

    async def apply(self, uow: Transaction, event: dict[str, Any], source: str, reads: StripeReads | None = None) -> bool:
        """True if the event was applied now. False if it was before (a redelivery, or
        reconciliation racing a webhook), or if it cannot be yet: for a customer no client
        owns, nothing is kept, not even the ledger row, so reconciliation tries it again.
        Without `reads`, Stripe is read under each object's lock."""
        try:
            async with uow.savepoint():  # a route failing half-way leaves neither rows nor messages
                if not await self._claim(uow, event, source):
                    return False
                route = self.routes.get(event["type"], self._nothing_to_change)
                await route(uow, reads or StripeReads(self.stripe), event)
        except UnknownClient as unknown:
            await record_drift(uow, "unknown_customer", event["id"], f"{event['type']}: {unknown}", repaired=False)
            return False
        return True

    @staticmethod
    async def _claim(uow: Transaction, event: dict[str, Any], source: str) -> bool:
        created = datetime.fromtimestamp(event.get("created") or 0, UTC)
        return await stripe_records.record_event(uow.connection, event["id"], event["type"], created, source)

    async def _nothing_to_change(self, uow: Transaction, reads: StripeReads, event: dict[str, Any]) -> None:
        log.debug("stripe event %s (%s) recorded; nothing to change", event["id"], event["type"])


async def record_drift(uow: Transaction, kind: str, object_id: str, detail: str, *, repaired: bool,
                       client_id: str | None = None) -> bool:
    """One discrepancy row per drift, and one operator alert with it (E2)."""
    if not await stripe_records.record_drift(uow.connection, kind, object_id, detail, repaired):
        return False
    uow.publish(events.BillingDriftDetected(kind=kind, object_id=object_id, detail=detail, repaired=repaired,
                                            client_id=client_id))
    return True
