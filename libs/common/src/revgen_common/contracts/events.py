"""Event payloads (past tense). Ingress events carry the raw provider payload verbatim."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from revgen_common.contracts.registry import Contract


class ProviderWebhookReceived(Contract):
    provider_id: str
    received_at: datetime
    raw: dict[str, Any]


class StripeEventReceived(ProviderWebhookReceived):
    stripe_type: str


class TwilioWebhookReceived(ProviderWebhookReceived):
    raw: dict[str, str | list[str]]  # form parameters: text, a list when one is repeated


class TwilioMessageReceived(TwilioWebhookReceived):
    pass


class TwilioCallStatusReceived(TwilioWebhookReceived):
    pass


class TwilioMessageStatusReceived(TwilioWebhookReceived):
    pass


class FormSubmitted(ProviderWebhookReceived):
    form_client_id: str


class ClientCreated(Contract):
    client_id: str
    agency_id: str
    name: str


class ClientUpdated(Contract):
    client_id: str
    name: str
    status: str


class ClientDeleted(Contract):
    client_id: str
    deleted_by: str


class MemberAdded(Contract):
    client_id: str
    person_id: str
    role: str
    name: str
    phone: str | None = None
    email: str | None = None


class MemberRoleChanged(Contract):
    client_id: str
    person_id: str
    role: str


class MemberDeactivated(Contract):
    client_id: str
    person_id: str


class SessionRevoked(Contract):
    """A person logged out (keyed by the person): gateways forget what they cached for them."""
    person_id: str
    session_id: str


class PlatformRoleGranted(Contract):
    """A person became one of RevGen's operators (keyed by the person)."""
    person_id: str
    role: str


class EscalationRequested(Contract):
    """A lead needs a person: from messaging (AI unsure, lead asked) or an agency callback."""

    request_id: str
    client_id: str
    lead_phone: str
    reason: str
    lead_name: str | None = None
    due_at: datetime | None = None  # callbacks: when the call is due


class BusinessHoursSet(Contract):
    """A client's business hours (messaging owns them): weekday 0=Monday → [["09:00", "17:00"], …]."""

    client_id: str
    timezone: str
    hours: dict[int, list[tuple[str, str]]]


class EscalationOutcome(Contract):
    escalation_id: str
    client_id: str
    request_id: str
    person_id: str | None = None



class LeadOutcomeRecorded(Contract):
    """Messaging decided a lead: open, won (with the job's value) or lost. One lead, one row
    downstream, so a replay never inflates a conversion rate."""
    client_id: str
    lead_id: str
    outcome: Literal["open", "won", "lost"]
    job_value_cents: int | None = None
    decided_at: datetime


class LeadConsentChanged(Contract):
    """A lead revoked consent to be messaged by a client (`LeadOptedOut`: STOP, "please stop
    texting me", a carrier's opt-out) or gave it back (`LeadOptedIn`: START). Until it is
    given back, no service may have that lead contacted (TCPA, FCC 24-18)."""
    client_id: str
    lead_phone: str
    source: Literal["message", "carrier"]  # the lead's own words, or Twilio refusing a send (21610)
    message_sid: str | None = None
    changed_at: datetime


class MessageReceived(Contract):
    """Messaging recorded a lead's SMS (once per MessageSid): the admin UI's open
    conversation shows it at once (the gateway follows messaging.events)."""
    client_id: str
    lead_id: str
    lead_phone: str
    message_sid: str


class MessageStatusChanged(Contract):
    """Twilio moved a send's delivery state forward (queued, sent, delivered, …)."""
    client_id: str
    send_id: str
    lead_id: str | None = None
    to: str
    status: str


class SubscriptionOutcome(Contract):
    """Billing's subscription events: what changed, with Stripe's state after the change."""
    client_id: str
    subscription_id: str
    plan_id: str | None
    status: str
    paused: bool = False
    cancel_at_period_end: bool = False
    previous_plan_id: str | None = None


class PaymentOutcome(Contract):
    client_id: str
    invoice_id: str
    subscription_id: str | None
    amount_cents: int
    currency: str
    attempt_count: int = 0


class PaymentRefunded(Contract):
    client_id: str
    charge_id: str
    amount_refunded_cents: int
    currency: str


class DisputeOutcome(Contract):
    client_id: str
    dispute_id: str
    charge_id: str
    amount_cents: int
    currency: str
    status: str
    reason: str | None = None


class BillingDriftDetected(Contract):
    """Reconciliation found local state and Stripe apart (an operator alert)."""
    kind: str
    object_id: str
    detail: str
    repaired: bool
    client_id: str | None = None

EVENTS: dict[str, type[Contract]] = {
    "StripeEventReceived": StripeEventReceived,
    "TwilioMessageReceived": TwilioMessageReceived,
    "TwilioCallStatusReceived": TwilioCallStatusReceived,
    "TwilioMessageStatusReceived": TwilioMessageStatusReceived,
    "FormSubmitted": FormSubmitted,
    "ClientCreated": ClientCreated,
    "ClientUpdated": ClientUpdated,
    "ClientDeleted": ClientDeleted,
    "MemberAdded": MemberAdded,
    "MemberRoleChanged": MemberRoleChanged,
    "MemberDeactivated": MemberDeactivated,
    "SessionRevoked": SessionRevoked,
    "PlatformRoleGranted": PlatformRoleGranted,
    "EscalationRequested": EscalationRequested,
    "BusinessHoursSet": BusinessHoursSet,
    "LeadOutcomeRecorded": LeadOutcomeRecorded,
    **{name: LeadConsentChanged for name in ("LeadOptedOut", "LeadOptedIn")},
    "MessageReceived": MessageReceived,
    "MessageStatusChanged": MessageStatusChanged,
    **{name: SubscriptionOutcome for name in ("SubscriptionActivated", "SubscriptionChanged", "SubscriptionPaused",
                                              "SubscriptionResumed", "SubscriptionCanceled")},
    **{name: PaymentOutcome for name in ("PaymentSucceeded", "PaymentFailed", "PaymentActionRequired")},
    "PaymentRefunded": PaymentRefunded,
    **{name: DisputeOutcome for name in ("DisputeOpened", "DisputeClosed")},
    "BillingDriftDetected": BillingDriftDetected,
    **{name: EscalationOutcome for name in ("EscalationCreated", "EscalationClaimed", "EscalationReleased",
                                            "EscalationResolved", "EscalationExpired", "EscalationWithdrawn")},
}
