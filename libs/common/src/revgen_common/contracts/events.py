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
}
