"""What ingress knows about a webhook once its signature checked out."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime
from typing import Any

from revgen_common.envelope import Envelope, event_id_from
from revgen_common.topics import TopicSpec

PRODUCER = "ingress"


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


@dataclass(frozen=True)
class VerifiedWebhook:
    source: str  # stripe | twilio-sms | twilio-voice | twilio-status | form
    provider_id: str  # the provider's own id; what dedup is keyed on
    event_type: str
    topic: TopicSpec
    key: str  # order is kept per key (the customer, the conversation, the client)
    raw: dict[str, Any]
    client_id: str | None = None
    extra: dict[str, Any] | None = None

    @cached_property  # a uuid5 is a SHA-1: worked out once, used by the claim and the envelope
    def event_id(self) -> uuid.UUID:
        return event_id_from(self.source, self.provider_id)

    def envelope(self, received_at: datetime) -> Envelope:
        return Envelope(
            event_id=self.event_id, type=self.event_type, producer=PRODUCER, key=self.key,
            occurred_at=received_at, client_id=self.client_id,
            payload={"provider_id": self.provider_id, "received_at": received_at.isoformat(), "raw": self.raw,
                     **(self.extra or {})},
        )
