"""Event payloads (past tense). Ingress events carry the raw provider payload verbatim."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from revgen_common.contracts.registry import Contract


class ProviderWebhookReceived(Contract):
    provider_id: str
    received_at: datetime
    raw: dict[str, Any]


class StripeEventReceived(ProviderWebhookReceived):
    stripe_type: str


class TwilioMessageReceived(ProviderWebhookReceived):
    pass


class TwilioCallStatusReceived(ProviderWebhookReceived):
    pass


class TwilioMessageStatusReceived(ProviderWebhookReceived):
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
    "EscalationRequested": EscalationRequested,
    "BusinessHoursSet": BusinessHoursSet,
    **{name: EscalationOutcome for name in ("EscalationCreated", "EscalationClaimed", "EscalationReleased",
                                            "EscalationResolved", "EscalationExpired")},
}
