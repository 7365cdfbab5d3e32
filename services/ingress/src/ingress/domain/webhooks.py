"""What ingress knows about a webhook once its signature checked out."""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from revgen_common.contracts.webhooks import ProviderWebhookReceived
from revgen_common.envelope import Envelope, event_id_from
from revgen_common.topics import TopicSpec

PRODUCER = "ingress"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Rejected(Exception):
    """The request is refused; `status` is the HTTP answer, `reason` a metric label."""

    status = 400

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class Forged(Rejected):
    status = 401


class Malformed(Rejected):
    status = 400


class TooLarge(Rejected):
    status = 413


# How far a signature's timestamp may be from ingress's clock, either side: Stripe's and
# svix's default tolerance, and our forms'.
SIGNATURE_WINDOW_SECONDS = 300


def within_window(signed_at: int, now: float, what: str) -> None:
    """Forged unless `signed_at` is within the window of `now` (ingress's clock, never the
    wall clock): a captured request replayed later, or one stamped ahead to outlive it."""
    if abs(now - signed_at) > SIGNATURE_WINDOW_SECONDS:
        raise Forged("expired_signature", f"{what} {signed_at} is more than {SIGNATURE_WINDOW_SECONDS} s from now")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_of(body: str | bytes) -> Any:
    """The body as JSON, or Malformed: not JSON, nested too deeply, or holding a lone
    surrogate (valid JSON escapes, but no UTF-8 can carry it on to Kafka)."""
    try:
        value = json.loads(body)
        text = body if isinstance(body, str) else body.decode("utf-8", "replace")
        if _SURROGATE_ESCAPE.search(text):  # rare: only then pay for the check (a pair is fine)
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeError, a 5,000-digit number
        raise Malformed("malformed_body", f"body is not JSON we can carry: {error}") from None
    return value


@dataclass(frozen=True)
class VerifiedWebhook:
    source: str  # stripe | twilio-sms | twilio-voice | twilio-status | form
    provider_id: str  # the provider's own id; what dedup is keyed on
    contract: type[ProviderWebhookReceived]  # what it becomes on Kafka: its type, topic and key rule
    raw: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)  # the contract's own fields besides the raw payload

    def __post_init__(self) -> None:
        # Ids go into the dedup ledger (PostgreSQL text) and Kafka keys (UTF-8): neither can
        # hold a NUL or a lone surrogate, and failing there would look like an outage (503).
        for name in ("provider_id", "key"):
            if _UNSTORABLE.search(getattr(self, name)):
                raise Malformed("malformed_body", f"{name} holds a NUL or a lone surrogate")

    @property
    def topic(self) -> TopicSpec:
        return self.contract.topic

    @cached_property
    def key(self) -> str:
        """Order is kept per key (the customer, the conversation, the client)."""
        return self.contract.key_of(self.raw, **self.extra)

    @cached_property  # a uuid5 is a SHA-1: worked out once, used by the claim and the envelope
    def event_id(self) -> uuid.UUID:
        return event_id_from(self.source, self.provider_id)

    def envelope(self, received_at: datetime) -> Envelope:
        message = self.contract(provider_id=self.provider_id, received_at=received_at, raw=self.raw, **self.extra)
        return Envelope.of(message, PRODUCER, event_id=self.event_id, occurred_at=received_at)
