"""The read model calls are answered from, kept from other services' events: the client's
numbers and business hours (messaging's `BusinessHoursSet`, `NumberReleased`), its team
(identity's `Member*`), deleted clients, and the names a whisper says (identity's
`ClientCreated`/`ClientUpdated`; a lead's from messaging's `EscalationRequested`). Each handler is one idempotent upsert."""
from __future__ import annotations

from revgen_common.consumer import Handlers
from revgen_common.contracts import identity, messaging
from revgen_common.envelope import Envelope
from revgen_common.unit_of_work import Transaction
from voice.adapters import read_model


async def business_hours_set(event: Envelope, uow: Transaction) -> None:
    p = event.payload
    await read_model.set_hours(uow.connection, p["client_id"], p["timezone"], p["hours"], p.get("numbers") or [])


async def client_named(event: Envelope, uow: Transaction) -> None:
    await read_model.name_client(uow.connection, event.payload["client_id"], event.payload["name"])


async def lead_named(event: Envelope, uow: Transaction) -> None:
    """A lead who gave a name (a form, the assistant): whispered when they call."""
    p = event.payload
    if p.get("lead_name"):
        await read_model.name_lead(uow.connection, p["client_id"], p["lead_phone"], p["lead_name"])


async def number_released(event: Envelope, uow: Transaction) -> None:
    await read_model.release_number(uow.connection, event.payload["client_id"], event.payload["number"])


async def member_added(event: Envelope, uow: Transaction) -> None:
    p = event.payload
    await read_model.add_member(uow.connection, p["client_id"], p["person_id"], p["name"], p.get("phone"), p["role"])


async def member_role_changed(event: Envelope, uow: Transaction) -> None:
    p = event.payload
    await read_model.change_role(uow.connection, p["client_id"], p["person_id"], p["role"])


async def member_deactivated(event: Envelope, uow: Transaction) -> None:
    await read_model.deactivate_member(uow.connection, event.payload["client_id"], event.payload["person_id"])


async def client_deleted(event: Envelope, uow: Transaction) -> None:
    await read_model.delete_client(uow.connection, event.payload["client_id"])


def handlers() -> Handlers:
    """What the consumer routes by message type (one module-level place)."""
    return {
        messaging.BusinessHoursSet: business_hours_set,
        messaging.NumberReleased: number_released,
        messaging.EscalationRequested: lead_named,
        identity.ClientCreated: client_named,
        identity.ClientUpdated: client_named,
        identity.MemberAdded: member_added,
        identity.MemberRoleChanged: member_role_changed,
        identity.MemberDeactivated: member_deactivated,
        identity.ClientDeleted: client_deleted,
    }
