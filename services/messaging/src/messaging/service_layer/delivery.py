"""Twilio's status callbacks: delivery state only moves forward (queued → sending → sent →
delivered | undelivered | failed), whatever order or how often the callbacks arrive (E8)."""
from __future__ import annotations

from sqlalchemy import text

from revgen_common.contracts.messaging import MessageStatusChanged
from revgen_common.envelope import Envelope
from revgen_common.unit_of_work import Transaction

TWILIO_STATES = frozenset({"queued", "sending", "sent", "delivered", "undelivered", "failed"})


async def status_received(message: Envelope, uow: Transaction) -> None:
    raw = message.payload["raw"]
    status, sid = raw.get("MessageStatus"), raw["MessageSid"]
    if status not in TWILIO_STATES:
        return  # accepted, scheduled, read, …: nothing our state machine tracks
    error = int(raw["ErrorCode"]) if str(raw.get("ErrorCode") or "").isdigit() else None
    db = uow.connection
    # Kept per sid even before our send knows its sid (a crash between Twilio's answer and our commit).
    await db.execute(text("""
        INSERT INTO delivery_statuses (twilio_sid, status, error_code) VALUES (:sid, :s, :e)
        ON CONFLICT (twilio_sid) DO UPDATE SET status = EXCLUDED.status,
            error_code = COALESCE(EXCLUDED.error_code, delivery_statuses.error_code)
        WHERE delivery_rank(delivery_statuses.status) < delivery_rank(EXCLUDED.status)"""),
        {"sid": sid, "s": status, "e": error})
    moved = (await db.execute(text("""
        UPDATE sends SET status = :s, error_code = COALESCE(:e, error_code)
        WHERE twilio_sid = :sid AND delivery_rank(status) < delivery_rank(:s)
        RETURNING id, client_id, lead_id, to_number"""), {"sid": sid, "s": status, "e": error})).first()
    if moved is not None and moved.client_id is not None:  # the platform's own texts concern no client
        uow.publish(MessageStatusChanged(client_id=moved.client_id, send_id=str(moved.id), to=moved.to_number,
                                         lead_id=str(moved.lead_id) if moved.lead_id else None, status=status))
