"""Twilio's status callbacks: delivery state only moves forward (queued → sending → sent →
delivered | undelivered | failed), whatever order or how often the callbacks arrive (E8)."""
from __future__ import annotations

from typing import Any

from messaging.adapters import delivery_statuses
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.messaging import MessageStatusChanged
from revgen_common.contracts.webhooks import TwilioMessageStatusReceived

TWILIO_STATES = frozenset({"queued", "sending", "sent", "delivered", "undelivered", "failed"})


async def status_received(callback: Delivered[TwilioMessageStatusReceived], ctx: HandlerContext) -> None:
    raw: dict[str, Any] = callback.body.raw  # Twilio's parameters, verbatim
    status, sid = raw.get("MessageStatus"), raw["MessageSid"]
    if status not in TWILIO_STATES:
        return  # accepted, scheduled, read, …: nothing our state machine tracks
    error = int(raw["ErrorCode"]) if str(raw.get("ErrorCode") or "").isdigit() else None
    await delivery_statuses.record(ctx.connection, sid, status, error)
    moved = await delivery_statuses.advance_send(ctx.connection, sid, status, error)
    if moved is not None and moved.client_id is not None:  # the platform's own texts concern no client
        ctx.publish(MessageStatusChanged(client_id=moved.client_id, send_id=str(moved.id), to=moved.to_number,
                                         lead_id=str(moved.lead_id) if moved.lead_id else None, status=status))
