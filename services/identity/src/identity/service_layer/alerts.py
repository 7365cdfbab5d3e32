"""Alerts to people (domain/alerts.py says what, to whom, by which channel): an event that
needs a person becomes one `SendMessage` per person and channel, once per cause — the inbox
absorbs a redelivery or a replay, the `alerts` row another event about the same cause."""
from __future__ import annotations

import logging
import uuid

from identity.adapters import alert_records
from identity.domain.alerts import Alert, alert_for, channels_for
from identity.domain.roles import CLIENT_ROLES
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts import Contract
from revgen_common.contracts.commands import SendMessage

log = logging.getLogger(__name__)

# The id of each message an alert sends follows from its cause, person and channel: the same
# alert written twice would be refused by the outbox, and absorbed by messaging's inbox.
ALERT_NAMESPACE = uuid.UUID("3d0c5f7e-9b1a-4c2e-8f6d-1a7b3c5e9d20")
AUDIENCE_ROLES = {"client_owner": ["client_owner"], "client_team": list(CLIENT_ROLES)}


async def tell(message: Delivered[Contract], ctx: HandlerContext) -> None:
    """Any event `alert_for` knows (handlers.py routes them here)."""
    event = message.body
    db = ctx.connection
    alert = alert_for(event, await alert_records.client_name(db, event.client()))
    if alert is None:
        return
    people = await _audience(db, alert)
    people = people or await alert_records.operators(db)  # nobody to act on it: the operators are
    if not await alert_records.first_telling(db, alert.cause, alert.kind, alert.client_id, len(people)):
        return
    if not people:
        log.error("alert %s reaches nobody: identity has no operator", alert.cause)
    for person in people:
        for channel, to in channels_for(person.alert_channels, person.phone, person.email):
            ctx.publish(_message(alert, channel, to), event_id=uuid.uuid5(
                ALERT_NAMESPACE, f"{alert.cause}|{person.person_id}|{channel}"))


async def _audience(db, alert: Alert) -> list[alert_records.Recipient]:
    if alert.audience == "client_billing":
        return await alert_records.client_billing_people(db, alert.client_id)
    if alert.audience in AUDIENCE_ROLES:
        return await alert_records.client_members(db, alert.client_id, AUDIENCE_ROLES[alert.audience])
    return []


def _message(alert: Alert, channel: str, to: str) -> SendMessage:
    # From the platform, not the client: an alert is RevGen telling its customers, and must
    # not count against (or be stopped with) the client's own messaging.
    return SendMessage(to=to, body=alert.body, subject=alert.subject if channel == "email" else None, purpose="alert")
