"""What identity's consumer applies (topics.IDENTITY_GROUP), by message contract: the events
that alert people (service_layer/alerts.py) and the changes people make elsewhere that are
audited here (service_layer/audited_elsewhere.py)."""
from __future__ import annotations

from identity.service_layer import alerts, audited_elsewhere
from revgen_common.consumer import Handlers
from revgen_common.contracts import Contract, billing, dead_letters, messaging, reputation

ALERTING: tuple[type[Contract], ...] = (
    billing.DisputeOpened, billing.PaymentFailed, billing.PaymentActionRequired, billing.BillingDriftDetected,
    messaging.NumberReleaseRefused, dead_letters.MessageDeadLettered,
    reputation.ReviewSourceDisconnected, reputation.LowRatingReceived)


def handlers() -> Handlers:
    return {**{contract: alerts.tell for contract in ALERTING},
            messaging.LeadDoNotContactChanged: audited_elsewhere.lead_do_not_contact_changed}
