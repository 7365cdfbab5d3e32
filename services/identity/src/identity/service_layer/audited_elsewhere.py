"""Changes people make in other services, audited here beside the client's own changes (the
one audit log): a lead marked do-not-contact or cleared (messaging's LeadDoNotContactChanged).
The consumer's inbox makes a redelivered event one row."""
from __future__ import annotations

import uuid

from identity.adapters import audit_log
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.messaging import LeadDoNotContactChanged


async def lead_do_not_contact_changed(event: Delivered[LeadDoNotContactChanged], ctx: HandlerContext) -> None:
    change = event.body
    await audit_log.record(ctx.connection, _person(change.changed_by),
                           "mark do-not-contact" if change.do_not_contact else "clear do-not-contact", "lead",
                           f"{change.client_id}/{change.lead_id}", before={"do_not_contact": not change.do_not_contact},
                           after={"do_not_contact": change.do_not_contact, "lead": change.lead_phone},
                           at=change.changed_at)


def _person(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None  # not one of ours: recorded without an actor rather than lost
