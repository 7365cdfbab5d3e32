"""Messaging's events (`messaging.events`) and the queues it keeps for itself."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from revgen_common.contracts.base import Command, Event
from revgen_common.topics import MESSAGING_EMAILS, MESSAGING_EVENTS, MESSAGING_NUMBER_RELEASES, MESSAGING_SENDS

PRODUCED_BY = ("messaging",)  # the services that publish these (the AsyncAPI document says so)


class BusinessHoursSet(Event, topic=MESSAGING_EVENTS):
    """A client's business hours: weekday 0=Monday → [["09:00", "17:00"], …] in `timezone`."""

    client_id: str
    timezone: str
    hours: dict[int, list[tuple[str, str]]]
    numbers: list[str] = []  # the client's numbers the profile (re)assigned: voice answers calls to them

    def key(self) -> str:
        return self.client_id


LeadOutcome = Literal["open", "won", "lost"]


class LeadOutcomeRecorded(Event, topic=MESSAGING_EVENTS):
    """A lead decided: open, won (with the job's value) or lost. One lead, one row
    downstream, so a replay never inflates a conversion rate."""

    client_id: str
    lead_id: str
    outcome: LeadOutcome
    job_value_cents: int | None = None
    decided_at: datetime

    def key(self) -> str:
        return f"{self.client_id}|{self.lead_id}"


class EscalationRequested(Event, topic=MESSAGING_EVENTS):
    """A lead needs a person: the assistant was unsure or the lead asked (or a callback)."""

    request_id: str
    client_id: str
    lead_phone: str
    reason: str
    lead_name: str | None = None
    due_at: datetime | None = None  # callbacks: when the call is due

    def key(self) -> str:
        return f"{self.client_id}|{self.lead_phone}"


class LeadConsentChanged(Event, abstract=True, topic=MESSAGING_EVENTS):
    """A lead revoked consent to be messaged by a client (`LeadOptedOut`: STOP, "please stop
    texting me", a carrier's opt-out) or gave it back (`LeadOptedIn`: START). Until it is
    given back, no service may have that lead contacted (TCPA, FCC 24-18)."""

    client_id: str
    lead_phone: str
    source: Literal["message", "carrier"]  # the lead's own words, or Twilio refusing a send (21610)
    message_sid: str | None = None
    changed_at: datetime

    def key(self) -> str:
        return f"{self.client_id}|{self.lead_phone}"


class LeadOptedOut(LeadConsentChanged):
    pass


class LeadOptedIn(LeadConsentChanged):
    pass


class LeadDoNotContactChanged(Event, topic=MESSAGING_EVENTS):
    """A person acting for the client marked a lead do-not-contact, or cleared the mark (D7).
    Announced only when the mark changes. While it is set no service may have the lead
    contacted: escalation stops sending the team after them; identity audits who and when."""

    client_id: str
    lead_id: str
    lead_phone: str
    do_not_contact: bool
    changed_by: str  # the person's id (the gateway has authorized them)
    changed_at: datetime

    def key(self) -> str:
        return f"{self.client_id}|{self.lead_phone}"


class MessageReceived(Event, topic=MESSAGING_EVENTS):
    """Messaging recorded a lead's SMS (once per MessageSid): the admin UI's open
    conversation shows it at once (the gateway follows messaging.events)."""

    client_id: str
    lead_id: str
    lead_phone: str
    message_sid: str

    def key(self) -> str:
        return f"{self.client_id}|{self.lead_phone}"


class MessageStatusChanged(Event, topic=MESSAGING_EVENTS):
    """Twilio moved a send's delivery state forward (queued, sent, delivered, …)."""

    client_id: str
    send_id: str
    lead_id: str | None = None
    to: str
    status: str

    def key(self) -> str:
        return f"{self.client_id}|{self.to}"


class NumberReleased(Event, topic=MESSAGING_EVENTS):
    client_id: str
    number: str

    def key(self) -> str:
        return self.client_id


class NumberReleaseRefused(Event, topic=MESSAGING_EVENTS):
    """Twilio refused for good to release a number we gave up: it may still cost money
    until an operator releases it by hand."""

    client_id: str
    number: str
    reason: str

    def key(self) -> str:
        return self.client_id


class SendOutcome(Event, abstract=True, topic=MESSAGING_EVENTS):
    """What became of one outbound message."""

    send_id: str
    client_id: str | None
    to: str
    purpose: str

    def key(self) -> str:
        return f"{self.client_id or 'platform'}|{self.to}"


class MessageSent(SendOutcome):
    twilio_sid: str


class EmailSent(SendOutcome):
    """An e-mail Resend accepted (`to` is the address); `email_id` is Resend's id for it."""

    email_id: str


class MessageBlocked(SendOutcome):
    reason: str


class MessageCanceled(SendOutcome):
    reason: str


class SendRequested(Command, topic=MESSAGING_SENDS):
    """Messaging's own queue: send the `sends` row `send_id` (its sender consumes it).
    `from` lets the sender check its pacing before it touches the database."""

    model_config = ConfigDict(populate_by_name=True)

    send_id: uuid.UUID
    to: str  # the key: one recipient's sends stay in order
    from_: str | None = Field(default=None, alias="from")

    def key(self) -> str:
        return self.to


class EmailRequested(Command, topic=MESSAGING_EMAILS):
    """Messaging's own queue: send the `email_sends` row `send_id` (its e-mail sender consumes it)."""

    send_id: uuid.UUID
    to: str  # the key: one recipient's e-mails stay in order

    def key(self) -> str:
        return self.to


class EmailAddressSuppressed(Event, topic=MESSAGING_EVENTS):
    """An address bounced for good or its owner marked our e-mail as spam: nothing more is
    e-mailed to it (MessageBlocked, reason `suppressed`)."""

    address: str
    reason: Literal["bounced", "complained"]
    email_id: str | None = None  # the e-mail Resend reported it for
    suppressed_at: datetime

    def key(self) -> str:
        return f"platform|{self.address}"


class ReleaseNumber(Command, topic=MESSAGING_NUMBER_RELEASES):
    """Messaging's own queue: give `number` back to Twilio."""

    client_id: str
    number: str

    def key(self) -> str:
        return self.number
