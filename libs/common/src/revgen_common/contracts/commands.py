"""Commands one service sends another (imperative)."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from revgen_common.contracts.base import Command
from revgen_common.topics import MESSAGING_COMMANDS

PRODUCED_BY: tuple[str, ...] = ()  # each command names its senders

# account_notice: RevGen to a client's owner about the client's account (service suspended);
# alert: RevGen to the people who must act (a dispute, a failed payment, drift, dead letters)
Purpose = Literal["escalation_alert", "payment_receipt", "otp", "reply", "reminder", "account_notice", "alert",
                  "summary", "other"]


class SendMessage(Command, topic=MESSAGING_COMMANDS):
    """Text or e-mail someone: messaging decides (opt-outs, quiet hours, suppressed
    addresses) and sends it once. `to` is an E.164 number (SMS) or an e-mail address
    (e-mail, with `subject`)."""

    produced_by: ClassVar[tuple[str, ...]] = ("identity", "escalation", "billing", "messaging")

    client_id: str | None = None  # None for the platform's own messages (login codes)
    to: str = Field(min_length=1)
    body: str = Field(min_length=1, max_length=1600)
    subject: str | None = Field(default=None, min_length=1, max_length=200)  # e-mail only
    purpose: Purpose

    def key(self) -> str:
        return f"{self.client_id or 'platform'}|{self.to}"
