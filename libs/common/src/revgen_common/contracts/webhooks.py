"""Ingress's events: a provider's webhook, verified and deduplicated, its payload verbatim.

The key rule is here, once: ingress asks for it (`key_of`) to pick the partition before the
message exists, and the message's own `key()` gives the same answer.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from revgen_common.contracts.base import Event
from revgen_common.topics import (
    FORM_SUBMISSIONS,
    RESEND_WEBHOOKS,
    STRIPE_WEBHOOKS,
    TWILIO_CALLS,
    TWILIO_MESSAGE_STATUS,
    TWILIO_MESSAGES,
)

PRODUCED_BY = ("ingress",)  # the services that publish these (the AsyncAPI document says so)


class ProviderWebhookReceived(Event, abstract=True):
    provider_id: str
    received_at: datetime
    raw: dict[str, Any]

    def key(self) -> str:
        return self.key_of(self.raw, **self.model_dump(exclude={"provider_id", "received_at", "raw"}))

    @classmethod
    def key_of(cls, raw: Mapping[str, Any], **extra: Any) -> str:
        raise NotImplementedError(f"{cls.__name__} has no key rule")


class StripeEventReceived(ProviderWebhookReceived, topic=STRIPE_WEBHOOKS):
    stripe_type: str

    @classmethod
    def key_of(cls, raw: Mapping[str, Any], **extra: Any) -> str:
        """The customer of the object, else the object's own id (a customer's is its own),
        else the event's id."""
        data = raw.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if isinstance(obj, dict):
            customer = obj.get("customer")
            if isinstance(customer, dict):
                customer = customer.get("id")
            if isinstance(customer, str) and customer:
                return customer
            if isinstance(obj.get("id"), str) and obj["id"]:
                return str(obj["id"])
        return str(raw["id"])


def _first(raw: Mapping[str, Any], name: str) -> str:
    value = raw[name]
    return str(value[0] if isinstance(value, list) else value)  # a repeated form parameter


class TwilioWebhookReceived(ProviderWebhookReceived, abstract=True):
    raw: dict[str, str | list[str]]  # form parameters: text, a list when one is repeated

    @classmethod
    def key_of(cls, raw: Mapping[str, Any], **extra: Any) -> str:
        """The conversation: the client's number, then the lead's (inbound: To, then From)."""
        return f"{_first(raw, 'To')}|{_first(raw, 'From')}"


class TwilioMessageReceived(TwilioWebhookReceived, topic=TWILIO_MESSAGES):
    pass


class TwilioCallStatusReceived(TwilioWebhookReceived, topic=TWILIO_CALLS):
    pass


class TwilioMessageStatusReceived(TwilioWebhookReceived, topic=TWILIO_MESSAGE_STATUS):
    @classmethod
    def key_of(cls, raw: Mapping[str, Any], **extra: Any) -> str:
        return f"{_first(raw, 'From')}|{_first(raw, 'To')}"  # outbound: From the client's number To the lead


class FormSubmitted(ProviderWebhookReceived, topic=FORM_SUBMISSIONS):
    form_client_id: str

    @classmethod
    def key_of(cls, raw: Mapping[str, Any], **extra: Any) -> str:
        return str(extra["form_client_id"])

    def client(self) -> str | None:
        return self.form_client_id


class ResendEventReceived(ProviderWebhookReceived, topic=RESEND_WEBHOOKS):
    """A Resend webhook (svix-signed): `email.delivered`, `email.bounced`, `email.complained`,
    … with `data.email_id` and `data.to`; `provider_id` is its svix-id."""

    resend_type: str

    @classmethod
    def key_of(cls, raw: Mapping[str, Any], **extra: Any) -> str:
        """The first recipient, lower-cased (what a suppression is keyed by), else the e-mail's id."""
        data = raw.get("data")
        if isinstance(data, dict):
            to = data.get("to")
            first = to[0] if isinstance(to, list) and to else to
            if isinstance(first, str) and first:
                return first.strip().lower()
            if isinstance(data.get("email_id"), str) and data["email_id"]:
                return str(data["email_id"])
        return str(extra.get("resend_type") or "resend")
