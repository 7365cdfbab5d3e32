"""The fake Stripe account. Beyond what the API does, tests play Stripe's side (renewals,
refunds, disputes, customers finishing checkout) and inject drift: changes no event
reports, which only reconciliation against the API can find."""
from __future__ import annotations

import copy

from revgen_fakes.stripe import billing_cycle, objects
from revgen_fakes.stripe.store import Store

# Python controls also reachable as POST /_fake/control/{name} with JSON keyword arguments.
CONTROLS = frozenset({
    "fail_payments_for", "attach_payment_method", "complete_checkout", "renew", "require_action",
    "fail_finalization", "pay_invoice", "pause", "trial_will_end", "refund", "open_dispute", "close_dispute",
    "silently_set_status", "silently_cancel", "silently_create_subscription", "silently_delete", "drop_event",
    "expire_idempotency_keys",
})


class StripeState(Store):
    def __init__(self, clock=None, seed: int | None = None):
        super().__init__(clock, seed)
        self.failing_customers: set[str] = set()
        # Seconds a POST holds its idempotency key before executing: makes "in flight" observable.
        self.latency_seconds = 0.0
        # What a checkout session will subscribe to; Stripe keeps this off the session object.
        self.checkout_orders: dict[str, dict] = {}

    # --- customers and their payment methods ---

    def fail_payments_for(self, customer_id: str, failing: bool = True) -> None:
        """Charges of this customer's card are declined from now on (or no longer)."""
        (self.failing_customers.add if failing else self.failing_customers.discard)(customer_id)

    def attach_payment_method(self, customer_id: str) -> dict:
        customer = self.get("customer", customer_id)
        method = self.add(objects.payment_method(self.new_id("pm"), self.clock(), customer_id),
                          "payment_method.attached")
        with self.updating(customer, "customer.updated"):
            customer["invoice_settings"]["default_payment_method"] = method["id"]
        return method

    # --- what happens at Stripe's end ---

    def complete_checkout(self, session_id: str) -> dict:
        """The customer pays on the hosted page: customer (if new), subscription, first invoice."""
        session = self.get("checkout.session", session_id)
        if session["status"] != "open":
            raise ValueError(f"checkout session {session_id} is {session['status']}")
        order = self.checkout_orders[session_id]
        customer_id = session["customer"] or self.add(objects.customer(
            self.new_id("cus"), self.clock(), metadata={}, email=session["customer_email"], name=None,
            phone=None, description=None), "customer.created")["id"]
        subscription = billing_cycle.create_subscription(
            self, customer_id, order["prices"], metadata=order["metadata"], trial_days=order["trial_days"],
            coupon_ids=[], cancel_at_period_end=False, payment_behavior="allow_incomplete", payment_fails=False)
        invoice = self.invoices[subscription["latest_invoice"]]
        with self.updating(session, "checkout.session.completed"):
            session.update(status="complete", customer=customer_id, subscription=subscription["id"],
                           invoice=invoice["id"], amount_subtotal=invoice["subtotal"], amount_total=invoice["total"],
                           payment_status="paid" if invoice["amount_paid"] else "no_payment_required")
        return session

    def renew(self, subscription_id: str, paid: bool = True) -> dict | None:
        """The next period's invoice: paid (invoice.paid) or declined (invoice.payment_failed,
        past_due). Returns the invoice, or None when cancel_at_period_end ended the subscription."""
        return billing_cycle.renew(self, self.get("subscription", subscription_id), "paid" if paid else "failed")

    def require_action(self, subscription_id: str) -> dict | None:
        """The next period's payment needs the customer (3-D Secure): past_due."""
        return billing_cycle.renew(self, self.get("subscription", subscription_id), "action_required")

    def fail_finalization(self, subscription_id: str) -> dict | None:
        """The next period's invoice cannot be finalized and stays a draft."""
        return billing_cycle.renew(self, self.get("subscription", subscription_id), "finalization_failed")

    def pay_invoice(self, invoice_id: str) -> dict:
        """An open invoice is paid after all; its subscription becomes active again."""
        invoice = self.get("invoice", invoice_id)
        billing_cycle.settle(self, invoice)
        return invoice

    def pause(self, subscription_id: str) -> dict:
        subscription = self.get("subscription", subscription_id)
        billing_cycle.set_paused(self, subscription, True)
        return subscription

    def cancel(self, subscription_id: str) -> dict:
        """Cancelled at Stripe (the dashboard, the customer portal): customer.subscription.deleted."""
        subscription = self.get("subscription", subscription_id)
        if subscription["status"] == "canceled":
            raise ValueError(f"subscription {subscription_id} is already canceled")
        billing_cycle.cancel_now(self, subscription, "cancellation_requested")
        return subscription

    def trial_will_end(self, subscription_id: str) -> dict:
        subscription = self.get("subscription", subscription_id)
        if subscription["status"] != "trialing":
            raise ValueError(f"subscription {subscription_id} is not trialing")
        return self.emit("customer.subscription.trial_will_end", subscription)

    def refund(self, charge_id: str, amount: int | None = None) -> dict:
        charge = self.get("charge", charge_id)
        refundable = charge["amount"] - charge["amount_refunded"]
        amount = refundable if amount is None else amount
        if not 0 < amount <= refundable:
            raise ValueError(f"cannot refund {amount} of charge {charge_id}: {refundable} is refundable")
        billing_cycle.refund(self, charge, amount, "requested_by_customer")
        return charge

    def open_dispute(self, charge_id: str, reason: str = "fraudulent") -> dict:
        charge = self.get("charge", charge_id)
        charge["disputed"] = True
        return self.add(objects.dispute(self.new_id("dp"), self.clock(), charge, reason), "charge.dispute.created")

    def close_dispute(self, dispute_id: str, status: str = "won") -> dict:
        if status not in ("won", "lost"):
            raise ValueError("a dispute closes as won or lost")
        dispute = self.get("dispute", dispute_id)
        dispute["status"] = status
        self.emit("charge.dispute.closed", dispute)
        return dispute

    # --- drift: changes no event reports ---

    def silently_set_status(self, subscription_id: str, status: str) -> None:
        self.get("subscription", subscription_id)["status"] = status

    def silently_cancel(self, subscription_id: str) -> None:
        subscription = self.get("subscription", subscription_id)
        now = self.clock()
        subscription.update(status="canceled", canceled_at=now, ended_at=now)

    def silently_create_subscription(self, customer_id: str, price_id: str, metadata: dict | None = None,
                                     quantity: int = 1) -> dict:
        self.get("customer", customer_id)
        price, now, subscription_id = self.get("price", price_id), self.clock(), self.new_id("sub")
        item = objects.subscription_item(self.new_id("si"), now, subscription_id, copy.deepcopy(price), quantity,
                                         billing_cycle.next_period(now, price))
        subscription = objects.subscription(subscription_id, now, customer_id, [item], price["currency"],
                                            metadata or {}, None)
        subscription["status"] = "active"
        return self.add(subscription)

    def silently_delete(self, subscription_id: str) -> None:
        """Gone without a trace: retrieving it is a 404 from now on."""
        self.get("subscription", subscription_id)  # unknown ids fail loudly
        del self.subscriptions[subscription_id]

    # --- views for assertions ---

    def live_subscriptions(self) -> list[dict]:
        return [sub for sub in self.subscriptions.values() if sub["status"] not in billing_cycle.ENDED]

    def counts(self) -> dict:
        return {"undelivered_events": len(self.undelivered),
                "requests": len(self.requests), "idempotency_keys": len(self.idempotency),
                **{name: len(table) for name, table in self.tables.items()}}
