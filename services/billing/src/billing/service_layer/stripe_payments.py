"""What Stripe's events about money change: invoices (and the one receipt of a paid one),
refunded charges and disputes, each stored as Stripe says now and announced once, on the
transition (PaymentSucceeded, PaymentRefunded, DisputeOpened …). Routes of stripe_events, run
in its ledger's savepoint."""
from __future__ import annotations

from typing import Any

from billing.adapters import billing_accounts, stripe_records, subscriptions
from billing.adapters.stripe_gateway import StripeGateway
from billing.service_layer.stripe_reads import StripeReads
from billing.service_layer.stripe_sync import UnknownClient, client_of, refresh
from revgen_common.contracts import billing as events
from revgen_common.contracts.commands import SendMessage
from revgen_common.envelope import event_id_from
from revgen_common.unit_of_work import Transaction

CLOSED_DISPUTE = frozenset({"won", "lost", "warning_closed"})


def _parent_subscription(invoice: dict[str, Any]) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription")


class StripePayments:
    def __init__(self, stripe: StripeGateway):
        self.stripe = stripe

    async def invoice(self, uow: Transaction, reads: StripeReads, event: dict[str, Any]) -> None:
        snapshot = event["data"]["object"]
        invoice = await reads.locked(uow, "invoice", snapshot["id"]) or snapshot
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

    async def _receipt(self, uow: Transaction, client_id: str, invoice: dict[str, Any]) -> None:
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

    async def charge(self, uow: Transaction, reads: StripeReads, event: dict[str, Any]) -> None:
        snapshot = event["data"]["object"]
        charge = await reads.locked(uow, "charge", snapshot["id"]) or snapshot
        client_id = await client_of(uow, charge["customer"])
        before = await stripe_records.charge_refunded(uow.connection, charge["id"])
        await stripe_records.upsert_charge(uow.connection, charge["id"], client_id, charge["amount"],
                                           charge.get("amount_refunded") or 0, charge.get("currency") or "usd")
        if (charge.get("amount_refunded") or 0) > (before or 0):
            uow.publish(events.PaymentRefunded(client_id=client_id, charge_id=charge["id"],
                                               amount_refunded_cents=charge["amount_refunded"],
                                               currency=charge.get("currency") or "usd"))

    async def dispute(self, uow: Transaction, reads: StripeReads, event: dict[str, Any]) -> None:
        snapshot = event["data"]["object"]
        dispute = await reads.locked(uow, "dispute", snapshot["id"]) or snapshot
        charge = await reads.unlocked("charge", dispute["charge"])  # only for its customer, which never changes
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
