"""Messaging's handler tables, one per consumer group (bootstrap.py runs them): which use case
applies each message contract. A Staged handler asks its provider before the batch's
transaction (ADR 0006); OwnTransactions commits by itself (the sender's Twilio answers)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from messaging.service_layer import delivery
from messaging.service_layer.email_events import resend_event
from messaging.service_layer.service_states import FOLLOWED
from revgen_common import OwnTransactions, Staged
from revgen_common.consumer import Handlers
from revgen_common.contracts import identity, voice, webhooks
from revgen_common.contracts.commands import SendMessage
from revgen_common.contracts.messaging import EmailRequested, ReleaseNumber, SendRequested

if TYPE_CHECKING:
    from messaging.bootstrap import Messaging


def inbound_handlers(messaging: Messaging) -> Handlers:
    """The main group's (`messaging`): inbound messages, commands and other services' events."""
    return {
        webhooks.TwilioMessageReceived: Staged(prepare=messaging.conversations.draft_reply,
                                               apply=messaging.conversations.message_received),
        webhooks.TwilioCallStatusReceived: messaging.calls.call_status,
        webhooks.TwilioMessageStatusReceived: delivery.status_received,
        webhooks.FormSubmitted: messaging.speed_to_lead.form_submitted,
        SendMessage: messaging.commands.send_message,
        identity.ClientCreated: messaging.clients.client_created,
        identity.ClientDeleted: messaging.clients.client_deleted,
        voice.CallEnded: messaging.calls.call_ended,
        voice.VoicemailRecorded: messaging.calls.voicemail_recorded,
        # Service follows billing (ADR 0012).
        **{event: messaging.service.billing_event for event in FOLLOWED},
        webhooks.ResendEventReceived: resend_event,  # bounces and complaints (ADR 0018)
    }


def sender_handlers(messaging: Messaging) -> Handlers:
    """The sender group's (`messaging-sender`): everything that calls Twilio."""
    return {SendRequested: OwnTransactions(messaging.sender.send),
            ReleaseNumber: OwnTransactions(messaging.number_releases.release)}


def email_handlers(messaging: Messaging) -> Handlers:
    """E-mail's own group (ADR 0018): everything that calls Resend."""
    if messaging.emails is None:
        raise RuntimeError("built without a Resend sender")
    return {EmailRequested: OwnTransactions(messaging.emails.send)}
