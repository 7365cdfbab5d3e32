"""The read model calls are answered from, kept from other services' events: the client's
numbers and business hours (messaging's `BusinessHoursSet`, `NumberReleased`), its team
(identity's `Member*`), deleted clients, and the names a whisper says (identity's
`ClientCreated`/`ClientUpdated`; a lead's from messaging's `EscalationRequested`). Each handler is one idempotent upsert."""
from __future__ import annotations

from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts import identity, messaging
from voice.adapters import read_model


async def business_hours_set(event: Delivered[messaging.BusinessHoursSet], ctx: HandlerContext) -> None:
    p = event.body
    await read_model.set_hours(ctx.connection, p.client_id, p.timezone, p.hours, p.numbers)


async def client_named(event: Delivered[identity.ClientCreated | identity.ClientUpdated], ctx: HandlerContext) -> None:
    await read_model.name_client(ctx.connection, event.body.client_id, event.body.name)


async def lead_named(event: Delivered[messaging.EscalationRequested], ctx: HandlerContext) -> None:
    """A lead who gave a name (a form, the assistant): whispered when they call."""
    p = event.body
    if p.lead_name:
        await read_model.name_lead(ctx.connection, p.client_id, p.lead_phone, p.lead_name)


async def number_released(event: Delivered[messaging.NumberReleased], ctx: HandlerContext) -> None:
    await read_model.release_number(ctx.connection, event.body.client_id, event.body.number)


async def member_added(event: Delivered[identity.MemberAdded], ctx: HandlerContext) -> None:
    p = event.body
    await read_model.add_member(ctx.connection, p.client_id, p.person_id, p.name, p.phone, p.role)


async def member_role_changed(event: Delivered[identity.MemberRoleChanged], ctx: HandlerContext) -> None:
    p = event.body
    await read_model.change_role(ctx.connection, p.client_id, p.person_id, p.role)


async def member_deactivated(event: Delivered[identity.MemberDeactivated], ctx: HandlerContext) -> None:
    await read_model.deactivate_member(ctx.connection, event.body.client_id, event.body.person_id)


async def client_deleted(event: Delivered[identity.ClientDeleted], ctx: HandlerContext) -> None:
    await read_model.delete_client(ctx.connection, event.body.client_id)
