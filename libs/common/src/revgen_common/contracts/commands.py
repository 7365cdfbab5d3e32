"""Command payloads (imperative): a request that one service asks another to carry out."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from revgen_common.contracts.registry import Contract


class SendMessage(Contract):
    client_id: str | None = None  # None for the platform's own messages (login codes)
    to: str = Field(min_length=1)
    body: str = Field(min_length=1, max_length=1600)
    purpose: Literal["escalation_alert", "payment_receipt", "otp", "reply", "reminder", "other"]


COMMANDS: dict[str, type[Contract]] = {
    "SendMessage": SendMessage,
}
