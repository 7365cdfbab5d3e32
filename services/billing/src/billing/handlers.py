"""What billing's consumer applies (topics.BILLING_GROUP), by message contract: Stripe's
events from ingress (read at Stripe before the batch's transaction, applied in it), and the
clients and lead outcomes of identity and messaging."""
from __future__ import annotations

from billing.service_layer.client_events import ClientEvents
from billing.service_layer.stripe_events import StripeEvents
from revgen_common.consumer import Handlers, Staged
from revgen_common.contracts.identity import ClientCreated, ClientDeleted
from revgen_common.contracts.messaging import LeadOutcomeRecorded
from revgen_common.contracts.webhooks import StripeEventReceived


def handlers(stripe_events: StripeEvents, client_events: ClientEvents) -> Handlers:
    return {
        StripeEventReceived: Staged(prepare=stripe_events.read_ahead, apply=stripe_events.apply_received),
        ClientCreated: client_events.client_created,
        ClientDeleted: client_events.client_deleted,
        LeadOutcomeRecorded: client_events.lead_outcome,
    }
