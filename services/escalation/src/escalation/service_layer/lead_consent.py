"""Leads who may not be contacted (messaging's consent events): an opt-out or a
do-not-contact mark withdraws the lead's open escalations, and whoever had claimed one is
told not to call, once; new requests for the lead are not escalated (service_layer.escalations)
until they opt in again or the mark is cleared."""
from __future__ import annotations

from escalation.adapters import contact_bans, escalations
from escalation.service_layer.notices import outcome, send
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts import escalation as events
from revgen_common.contracts import messaging
from revgen_common.unit_of_work import Transaction


async def lead_opted_out(event: Delivered[messaging.LeadOptedOut], ctx: HandlerContext) -> None:
    """Open escalations of the lead are withdrawn (the timer stops re-notifying the team);
    whoever had claimed one is told not to call, once."""
    p = event.body
    await contact_bans.record_opt_out(ctx.connection, p.client_id, p.lead_phone, p.changed_at)
    await _withdraw(ctx, p.client_id, p.lead_phone, "asked not to be contacted any more")


async def lead_do_not_contact_changed(event: Delivered[messaging.LeadDoNotContactChanged],
                                      ctx: HandlerContext) -> None:
    """A person marked the lead do-not-contact: as for an opt-out, their open escalations are
    withdrawn and whoever had one is told once; cleared, new requests escalate again."""
    p = event.body
    newest = await contact_bans.mark_do_not_contact(ctx.connection, p.client_id, p.lead_phone, p.do_not_contact,
                                                    p.changed_at)
    if newest and p.do_not_contact:
        await _withdraw(ctx, p.client_id, p.lead_phone, "is marked do-not-contact")


async def _withdraw(uow: Transaction, client_id: str, lead_phone: str, why: str) -> None:
    for row in await escalations.withdraw_open(uow.connection, client_id, lead_phone):
        if row.claimed_by is not None and row.owner_contact is not None:
            send(uow, row._asdict(), row.owner_contact, "escalation_alert",
                 f"{row.lead_name or row.lead_phone} {why}: "
                 "please do not call or text them. The escalation is closed.")
        outcome(uow, events.EscalationWithdrawn, row._asdict(), person=row.claimed_by)


async def lead_opted_in(event: Delivered[messaging.LeadOptedIn], ctx: HandlerContext) -> None:
    await contact_bans.clear_opt_out(ctx.connection, event.body.client_id, event.body.lead_phone)
