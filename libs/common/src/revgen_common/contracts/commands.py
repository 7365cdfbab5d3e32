"""Command payloads (imperative): a request that one service asks another to carry out."""
from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from revgen_common.contracts.registry import Contract


class SendMessage(Contract):
    client_id: str | None = None  # None for the platform's own messages (login codes)
    to: str = Field(min_length=1)
    body: str = Field(min_length=1, max_length=1600)
    purpose: Literal["escalation_alert", "payment_receipt", "otp", "reply", "reminder", "other"]


class SendRequested(Contract):
    """Messaging's own queue (messaging.sends): send the `sends` row `send_id`."""
    send_id: uuid.UUID
    from_: str | None = Field(default=None, alias="from")  # the pacing is checked before the database


class ReleaseNumber(Contract):
    """Messaging's own queue (messaging.number-releases): give the number back at Twilio."""
    client_id: str
    number: str


COMMANDS: dict[str, type[Contract]] = {
    "SendMessage": SendMessage,
    "SendRequested": SendRequested,
    "ReleaseNumber": ReleaseNumber,
}
