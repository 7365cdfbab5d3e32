"""Resend's webhooks (verified and deduplicated by ingress): an e-mail's delivery moves its
row forward; a hard bounce or a complaint suppresses the address, once, whatever the order
or number of copies, and says so (EmailAddressSuppressed)."""
from __future__ import annotations

from typing import Any, Literal

from messaging.adapters import email_sends
from messaging.domain.emails import InvalidAddress, normalize_address
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.messaging import EmailAddressSuppressed
from revgen_common.contracts.webhooks import ResendEventReceived

STATES = {"email.delivered": "delivered", "email.bounced": "bounced", "email.complained": "complained"}
SUPPRESSING: dict[str, Literal["bounced", "complained"]] = {"email.bounced": "bounced", "email.complained": "complained"}


async def resend_event(delivered: Delivered[ResendEventReceived], ctx: HandlerContext) -> None:
    event = delivered.body
    raw_data = event.raw.get("data")
    data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
    email_id = data.get("email_id") if isinstance(data.get("email_id"), str) else None
    bounce = data.get("bounce")
    if event.resend_type == "email.bounced" and isinstance(bounce, dict) and bounce.get("type") == "Transient":
        return  # a full mailbox, a greylisting: the next e-mail may well arrive
    state = STATES.get(event.resend_type)
    if state is None:
        return  # sent, opened, clicked, …: nothing our state tracks
    if email_id is not None:
        await email_sends.advance(ctx.connection, email_id, state)
    reason = SUPPRESSING.get(event.resend_type)
    if reason is None:
        return
    for address in _addresses(data.get("to")):
        if await email_sends.suppress(ctx.connection, address, reason, email_id, event.received_at):
            ctx.publish(EmailAddressSuppressed(address=address, reason=reason, email_id=email_id,
                                               suppressed_at=event.received_at))


def _addresses(to: object) -> list[str]:
    found = []
    for raw in to if isinstance(to, list) else [to]:
        try:
            found.append(normalize_address(str(raw)))
        except InvalidAddress:
            continue  # not an address we could ever have sent to
    return found
