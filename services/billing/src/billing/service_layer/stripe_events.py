"""Stripe's events (webhooks from ingress's topic, or found by reconciliation), each applied
once through the ledger, and applied by re-fetching the object so that arrival order
never matters (E9): the local row converges to what Stripe says now. Each object is
compared under its advisory lock (`lock_object`), so two transactions never both see the
same "before" and publish the same outcome twice. A webhook's Stripe reads are made before
its batch's transaction (`prepare`) and used under the lock while still the newest
(stripe_reads)."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters import billing_accounts, stripe_records, subscriptions
from billing.adapters.stripe_gateway import StripeGateway
from billing.service_layer.stripe_reads import StripeReads, objects_read_by
from billing.service_layer.stripe_sync import UnknownClient, client_of, refresh
from revgen_common.contracts import Contract, billing as events
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.commands import SendMessage
from revgen_common.contracts.webhooks import StripeEventReceived
from revgen_common.envelope import event_id_from
from revgen_common.unit_of_work import Transaction

log = logging.getLogger(__name__)

CLOSED_DISPUTE = frozenset({"won", "lost", "warning_closed"})


def _parent_subscription(invoice: dict[str, Any]) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription")


class _Attempt:
    """The transaction a route writes in (a Transaction): its writes run in a savepoint, and
    what it publishes waits here until the savepoint is released, so a route that fails
    half-way leaves neither rows nor messages. `reads`: how the route reads Stripe."""

    def __init__(self, uow: Transaction, reads: StripeReads):
        self.connection = uow.connection
        self.reads = reads
        self.messages: list[tuple[Contract, uuid.UUID | None]] = []

    def publish(self, message: Contract, *, event_id: uuid.UUID | None = None) -> None:
        self.messages.append((message, event_id))

    def keep(self, uow: Transaction) -> None:
        for message, event_id in self.messages:
            uow.publish(message, event_id=event_id)


class StripeEvents:
    def __init__(self, engine: AsyncEngine, stripe: StripeGateway):
        self.engine = engine
        self.stripe = stripe
        self.routes: dict[str, Callable[[_Attempt, dict[str, Any]], Awaitable[None]]] = {
            **{f"customer.subscription.{t}": self._subscription
               for t in ("created", "updated", "deleted", "paused", "resumed", "trial_will_end", "pending_update_applied")},
            **{f"invoice.{t}": self._invoice for t in ("created", "finalized", "paid", "payment_succeeded",
                                                       "payment_failed", "payment_action_required",
                                                       "finalization_failed", "voided", "marked_uncollectible")},
            "checkout.session.completed": self._checkout_completed,
            "checkout.session.expired": self._nothing_to_change,
            "charge.refunded": self._charge,
            **{f"charge.dispute.{t}": self._dispute for t in ("created", "updated", "closed")},
            "customer.updated": self._customer,
            "customer.deleted": self._customer_deleted,
            "payment_method.attached": self._payment_method,
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
        attempt = _Attempt(uow, reads or StripeReads(self.stripe))
        try:
            async with uow.connection.begin_nested():
                if not await self._claim(uow, event, source):
                    return False
                await self.routes.get(event["type"], self._nothing_to_change)(attempt, event)
        except UnknownClient as unknown:
            await record_drift(uow, "unknown_customer", event["id"], f"{event['type']}: {unknown}", repaired=False)
            return False
        attempt.keep(uow)
        return True

    @staticmethod
    async def _claim(uow: Transaction, event: dict[str, Any], source: str) -> bool:
        created = datetime.fromtimestamp(event.get("created") or 0, UTC)
        return await stripe_records.record_event(uow.connection, event["id"], event["type"], created, source)

    # -- subscriptions ------------------------------------------------------------------

    async def _subscription(self, uow: _Attempt, event: dict[str, Any]) -> None:
        subscription_id = event["data"]["object"]["id"]
        if await refresh(uow, self.stripe, subscription_id, reads=uow.reads) is None:
            log.warning("%s for %s, which stripe no longer has; reconciliation reports it", event["type"],
                        subscription_id)

    # -- invoices -----------------------------------------------------------------------

    async def _invoice(self, uow: _Attempt, event: dict[str, Any]) -> None:
        snapshot = event["data"]["object"]
        invoice = await uow.reads.locked(uow, "invoice", snapshot["id"]) or snapshot
        subscription_id = _parent_subscription(invoice)
        db = uow.connection
        if subscription_id and not await subscriptions.exists(db, subscription_id):
            await refresh(uow, self.stripe, subscription_id)  # an invoice may arrive before its subscription
        client_id = await client_of(uow, invoice["customer"])
        before = await stripe_records.invoice_status(db, invoice["id"])
        finalization_error = (invoice.get("last_finalization_error") or {}).get("message")
        await stripe_records.upsert_invoice(
            db, id=invoice["id"], client_id=client_id, subscription_id=subscription_id, status=invoice["status"],
            amount_due=invoice.get("amount_due") or 0, amount_paid=invoice.get("amount_paid") or 0,
            currency=invoice.get("currency") or "usd", attempt_count=invoice.get("attempt_count") or 0,
            finalization_error=finalization_error)
        payment = dict(client_id=client_id, invoice_id=invoice["id"], subscription_id=subscription_id,
                       amount_cents=invoice.get("amount_paid") or invoice.get("amount_due") or 0,
                       currency=invoice.get("currency") or "usd", attempt_count=invoice.get("attempt_count") or 0)
        if invoice["status"] == "paid" and (before is None or before.status != "paid"):
            uow.publish(events.PaymentSucceeded(**payment))
            await self._receipt(uow, client_id, invoice)
        elif invoice["status"] == "open" and event["type"] == "invoice.payment_failed":
            uow.publish(events.PaymentFailed(**payment))  # only while still unpaid: a late failure stays quiet
        elif invoice["status"] == "open" and event["type"] == "invoice.payment_action_required":
            uow.publish(events.PaymentActionRequired(**payment))

    async def _receipt(self, uow: _Attempt, client_id: str, invoice: dict[str, Any]) -> None:
        """Exactly one receipt per paid invoice (E4): the paid transition happens once, and
        the command's id comes from the invoice so messaging absorbs any copy."""
        phone = await billing_accounts.phone(uow.connection, client_id)
        amount = invoice.get("amount_paid") or 0
        if not phone or amount <= 0:
            return
        command = SendMessage(client_id=client_id, to=phone, purpose="payment_receipt",
                              body=f"RevGen: we received your payment of {amount / 100:.2f} "
                                   f"{(invoice.get('currency') or 'usd').upper()}. Thank you!")
        uow.publish(command, event_id=event_id_from("billing-receipt", invoice["id"]))

    # -- checkout, charges, disputes, customers ----------------------------------------------

    async def _checkout_completed(self, uow: _Attempt, event: dict[str, Any]) -> None:
        session = event["data"]["object"]
        client_id = session.get("client_reference_id") or (session.get("metadata") or {}).get("client_id")
        if client_id and session.get("customer"):
            await billing_accounts.link_customer(uow.connection, client_id, session["customer"])
        if session.get("subscription"):
            await refresh(uow, self.stripe, session["subscription"], reads=uow.reads)

    async def _charge(self, uow: _Attempt, event: dict[str, Any]) -> None:
        snapshot = event["data"]["object"]
        charge = await uow.reads.locked(uow, "charge", snapshot["id"]) or snapshot
        client_id = await client_of(uow, charge["customer"])
        before = await stripe_records.charge_refunded(uow.connection, charge["id"])
        await stripe_records.upsert_charge(uow.connection, charge["id"], client_id, charge["amount"],
                                           charge.get("amount_refunded") or 0, charge.get("currency") or "usd")
        if (charge.get("amount_refunded") or 0) > (before or 0):
            uow.publish(events.PaymentRefunded(client_id=client_id, charge_id=charge["id"],
                                               amount_refunded_cents=charge["amount_refunded"],
                                               currency=charge.get("currency") or "usd"))

    async def _dispute(self, uow: _Attempt, event: dict[str, Any]) -> None:
        snapshot = event["data"]["object"]
        dispute = await uow.reads.locked(uow, "dispute", snapshot["id"]) or snapshot
        charge = await uow.reads.unlocked("charge", dispute["charge"])  # only for its customer, which never changes
        if charge is None or not charge.get("customer"):
            raise UnknownClient(f"charge {dispute['charge']} has no customer")
        client_id = await client_of(uow, charge["customer"])
        db = uow.connection
        before = await stripe_records.dispute_status(db, dispute["id"])
        await stripe_records.upsert_dispute(
            db, id=dispute["id"], charge_id=dispute["charge"], client_id=client_id, amount=dispute["amount"],
            currency=dispute.get("currency") or "usd", status=dispute["status"], reason=dispute.get("reason"))
        outcome = dict(client_id=client_id, dispute_id=dispute["id"], charge_id=dispute["charge"],
                       amount_cents=dispute["amount"], currency=dispute.get("currency") or "usd",
                       status=dispute["status"], reason=dispute.get("reason"))
        if before is None:
            uow.publish(events.DisputeOpened(**outcome))  # the admin alert
        if dispute["status"] in CLOSED_DISPUTE and before not in CLOSED_DISPUTE:
            uow.publish(events.DisputeClosed(**outcome))

    async def _customer(self, uow: _Attempt, event: dict[str, Any]) -> None:
        snapshot = event["data"]["object"]
        customer = await uow.reads.locked(uow, "customer", snapshot["id"]) or snapshot
        if customer.get("deleted"):
            return  # customer.deleted clears the link; a deleted customer has no contact details
        await billing_accounts.set_contacts(uow.connection, customer["id"], customer.get("email"), customer.get("phone"))

    async def _customer_deleted(self, uow: _Attempt, event: dict[str, Any]) -> None:
        """The account forgets the customer, so the next create makes a new one instead of
        failing on a customer Stripe no longer has."""
        await billing_accounts.forget_customer(uow.connection, event["data"]["object"]["id"])

    async def _payment_method(self, uow: _Attempt, event: dict[str, Any]) -> None:
        customer = event["data"]["object"].get("customer")
        await billing_accounts.has_payment_method(uow.connection, customer)

    async def _nothing_to_change(self, uow: _Attempt, event: dict[str, Any]) -> None:
        log.debug("stripe event %s (%s) recorded; nothing to change", event["id"], event["type"])


async def record_drift(uow: Transaction, kind: str, object_id: str, detail: str, *, repaired: bool,
                       client_id: str | None = None) -> bool:
    """One discrepancy row per drift, and one operator alert with it (E2)."""
    if not await stripe_records.record_drift(uow.connection, kind, object_id, detail, repaired):
        return False
    uow.publish(events.BillingDriftDetected(kind=kind, object_id=object_id, detail=detail, repaired=repaired,
                                            client_id=client_id))
    return True
