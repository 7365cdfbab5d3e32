"""Alerts to people: what each event that needs a person says, who must hear it, and by
which channels. No I/O: the service layer finds the people and sends.

An alert's `cause` is what it is about (a dispute, an invoice's failure, a consumer's dead
letter): one alert per cause, however often or by however many events it is reported.
Who hears it: the people who can act. A client's billing (disputes, failed payments, a
payment waiting for its payer's authentication) goes to whoever holds `billing:manage` on
the client — its agency's owners and admins and the client's owner; the platform's own
troubles (drift between our books and Stripe, a number Twilio will not take back, a
consumer giving up on a message) to RevGen's operators. A client's review sources: a lost
Google or Facebook connection to the client's owner (only they can connect it again), a low
rating to the client's whole team. An alert nobody would hear goes to the operators.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from revgen_common.contracts import billing, dead_letters, messaging, reputation
from revgen_common.contracts.base import Contract
from revgen_common.topics import DEAD_LETTERS

Audience = Literal["client_billing", "client_owner", "client_team", "operators"]
Channel = Literal["sms", "email"]
# What a person chose (people.alert_channels); "both" by default (the column's): an alert is
# rare and must be seen, so by every contact a person gave.
Preference = Literal["sms", "email", "both"]


@dataclass(frozen=True)
class Alert:
    cause: str  # "<kind>:<what it is about>"
    audience: Audience
    client_id: str | None
    subject: str
    body: str

    @property
    def kind(self) -> str:
        return self.cause.partition(":")[0]


def _money(event: billing.PaymentOutcome | billing.DisputeOutcome) -> str:
    return f"{event.amount_cents / 100:,.2f} {event.currency.upper()}"


def _billing(cause: str, client_id: str, subject: str, text: str) -> Alert:
    return Alert(cause, "client_billing", client_id, subject, f"RevGen: {text}")


def _platform(cause: str, subject: str, text: str, client_id: str | None = None) -> Alert:
    return Alert(cause, "operators", client_id, subject, f"RevGen: {text}")


def alert_for(event: Contract, client_name: str | None = None) -> Alert | None:
    """The alert an event raises; None when it raises none."""
    who = client_name or "a client"
    match event:
        case billing.DisputeOpened():
            return _billing(f"dispute:{event.dispute_id}", event.client_id, f"Payment disputed for {who}",
                            f"a payment of {_money(event)} for {who} is disputed ({event.reason or 'no reason given'})."
                            " Answer the dispute at Stripe before its deadline.")
        case billing.PaymentActionRequired():
            return _billing(f"payment_action_required:{event.invoice_id}", event.client_id,
                            f"Payment for {who} needs the cardholder", f"the payment of {_money(event)} for {who} "
                            "waits for the cardholder to confirm it with their bank. Until then it is unpaid.")
        case billing.PaymentFailed():
            return _billing(f"payment_failed:{event.invoice_id}", event.client_id, f"Payment failed for {who}",
                            f"the payment of {_money(event)} for {who} failed. Update the card, or service stops "
                            "when the grace period ends.")
        case billing.BillingDriftDetected():
            state = "repaired" if event.repaired else "NOT repaired"
            return _platform(f"drift:{event.kind}:{event.object_id}", f"Billing drift: {event.kind}",
                             f"reconciliation found {event.kind} on {event.object_id} ({state}): {event.detail[:300]}",
                             event.client_id)
        case messaging.NumberReleaseRefused():
            return _platform(f"number_release_refused:{event.number}", f"Twilio refused to release {event.number}",
                             f"Twilio refused to release {event.number} ({event.reason[:300]}). It may still cost "
                             "money: release it by hand.", event.client_id)
        case reputation.ReviewSourceDisconnected():
            source = event.source.capitalize()
            return Alert(f"source_lost:{event.connection_id}", "client_owner", event.client_id,
                         f"Reconnect {source} for {who}",
                         f"RevGen: {source} no longer lets RevGen read {who}'s reviews ({event.reason[:200]}). "
                         f"Connect {source} again in RevGen; until then no reviews are read or answered there.")
        case reputation.LowRatingReceived():
            source = event.source.capitalize()
            return Alert(f"low_rating:{event.source}:{event.review_id}", "client_team", event.client_id,
                         f"{event.rating}-star review for {who}",
                         f"RevGen: {event.author} left {who} {event.rating} star{'s' if event.rating > 1 else ''} on "
                         f"{source}: \"{event.excerpt}\" A drafted reply waits for your approval.")
        case dead_letters.MessageDeadLettered() if event.original_topic != DEAD_LETTERS.name:
            # (a dead letter of a dead letter is not alerted: failing to alert it would loop)
            message = f"{event.original_type or 'an unreadable message'} from {event.original_topic}"
            return _platform(f"dead_letter:{event.consumer}:{event.original_event_id or _place(event)}",
                             f"{event.consumer} gave up on a message",
                             f"consumer {event.consumer} gave up on {message} ({event.error_class}: "
                             f"{event.error_message[:200]}). See `revgen dlq list --consumer {event.consumer}`.")
    return None


def _place(event: dead_letters.MessageDeadLettered) -> str:
    return f"{event.original_topic}/{event.original_partition}/{event.original_offset}"


def channels_for(preference: str, phone: str | None, email: str | None) -> list[tuple[Channel, str]]:
    """Where to tell a person: the channels they chose among the contacts they have; if they
    chose one they have no contact for, whatever they have (an alert is never dropped)."""
    contacts: tuple[tuple[Channel, str | None], ...] = (("sms", phone), ("email", email))
    have = [(c, to) for c, to in contacts if to]
    wanted = [(c, to) for c, to in have if preference in (c, "both")]
    return wanted or have
