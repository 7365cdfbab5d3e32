"""Billing's events (`billing.events`, keyed by client): what changed at Stripe, once each."""
from __future__ import annotations

from revgen_common.contracts.base import Event
from revgen_common.topics import BILLING_EVENTS

PRODUCED_BY = ("billing",)  # the services that publish these (the AsyncAPI document says so)


class BillingEvent(Event, abstract=True, topic=BILLING_EVENTS):
    client_id: str | None

    def key(self) -> str:
        return self.client_id or "billing"


class SubscriptionOutcome(BillingEvent, abstract=True):
    """What changed, with Stripe's state after the change."""

    client_id: str
    subscription_id: str
    plan_id: str | None
    status: str
    paused: bool = False
    cancel_at_period_end: bool = False
    previous_plan_id: str | None = None


class SubscriptionActivated(SubscriptionOutcome):
    pass


class SubscriptionChanged(SubscriptionOutcome):
    pass


class SubscriptionPaused(SubscriptionOutcome):
    pass


class SubscriptionResumed(SubscriptionOutcome):
    pass


class SubscriptionCanceled(SubscriptionOutcome):
    pass


class PaymentOutcome(BillingEvent, abstract=True):
    client_id: str
    invoice_id: str
    subscription_id: str | None
    amount_cents: int
    currency: str
    attempt_count: int = 0


class PaymentSucceeded(PaymentOutcome):
    pass


class PaymentFailed(PaymentOutcome):
    pass


class PaymentActionRequired(PaymentOutcome):
    pass


class PaymentRefunded(BillingEvent):
    client_id: str
    charge_id: str
    amount_refunded_cents: int
    currency: str


class DisputeOutcome(BillingEvent, abstract=True):
    client_id: str
    dispute_id: str
    charge_id: str
    amount_cents: int
    currency: str
    status: str
    reason: str | None = None


class DisputeOpened(DisputeOutcome):
    pass


class DisputeClosed(DisputeOutcome):
    pass


class BillingDriftDetected(BillingEvent):
    """Reconciliation found local state and Stripe apart (an operator alert)."""

    kind: str
    object_id: str
    detail: str
    repaired: bool
    client_id: str | None = None

    def key(self) -> str:
        return self.object_id
