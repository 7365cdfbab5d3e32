"""The SQL of alerts to people: who hears an alert, and the record that its cause was told."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from identity.domain.roles import Permission, roles_granting


@dataclass(frozen=True)
class Recipient:
    person_id: uuid.UUID
    phone: str | None
    email: str | None
    alert_channels: str


# Whoever may act on the client's billing: agency roles over its agency, client roles on it.
# A deleted client's billing still reaches its agency (a dispute outlives the client).
_CLIENT_PEOPLE = text("""
    SELECT p.id AS person_id, p.phone, p.email, p.alert_channels FROM people p
    WHERE p.id IN (SELECT m.person_id FROM agency_memberships m JOIN clients c ON c.agency_id = m.agency_id
                   WHERE c.id = :client AND m.active AND m.role = ANY(:roles))
       OR p.id IN (SELECT person_id FROM client_memberships WHERE client_id = :client AND active AND role = ANY(:roles))
    ORDER BY p.id""")
# A client's own people: its owners alone, or its whole active team.
_CLIENT_MEMBERS = text("""
    SELECT p.id AS person_id, p.phone, p.email, p.alert_channels
    FROM client_memberships m JOIN people p ON p.id = m.person_id
    WHERE m.client_id = :client AND m.active AND m.role = ANY(:roles) ORDER BY p.id""")
_OPERATORS = text("""
    SELECT p.id AS person_id, p.phone, p.email, p.alert_channels
    FROM platform_memberships m JOIN people p ON p.id = m.person_id
    WHERE m.active AND m.role = ANY(:roles) ORDER BY p.id""")
_CLIENT_NAME = text("SELECT name FROM clients WHERE id = :client")
_RECORD = text("""INSERT INTO alerts (cause, kind, client_id, recipients) VALUES (:cause, :kind, :client, :recipients)
                  ON CONFLICT (cause) DO NOTHING RETURNING cause""")
_SET_CHANNELS = text("UPDATE people SET alert_channels = :channels WHERE id = :person RETURNING alert_channels")


def _client_uuid(client_id: str | None) -> uuid.UUID | None:
    """Our clients' ids are UUIDs; anything else (billing may know a client we never made) is no client."""
    try:
        return uuid.UUID(client_id) if client_id else None
    except ValueError:
        return None


async def client_billing_people(db: AsyncConnection, client_id: str | None) -> list[Recipient]:
    client = _client_uuid(client_id)
    if client is None:
        return []
    rows = await db.execute(_CLIENT_PEOPLE, {"client": client, "roles": roles_granting(Permission.BILLING_MANAGE)})
    return [Recipient(**r._mapping) for r in rows]


async def client_members(db: AsyncConnection, client_id: str | None, roles: list[str]) -> list[Recipient]:
    client = _client_uuid(client_id)
    if client is None:
        return []
    return [Recipient(**r._mapping) for r in await db.execute(_CLIENT_MEMBERS, {"client": client, "roles": roles})]


async def operators(db: AsyncConnection) -> list[Recipient]:
    rows = await db.execute(_OPERATORS, {"roles": roles_granting(Permission.OPERATIONS_RUN)})
    return [Recipient(**r._mapping) for r in rows]


async def client_name(db: AsyncConnection, client_id: str | None) -> str | None:
    client = _client_uuid(client_id)
    return await db.scalar(_CLIENT_NAME, {"client": client}) if client else None


async def first_telling(db: AsyncConnection, cause: str, kind: str, client_id: str | None, recipients: int) -> bool:
    """Records that the alert of `cause` is told; False if it was told before."""
    return await db.scalar(_RECORD, {"cause": cause, "kind": kind, "client": client_id,
                                     "recipients": recipients}) is not None


async def set_alert_channels(db: AsyncConnection, person: uuid.UUID, channels: str) -> str | None:
    return await db.scalar(_SET_CHANNELS, {"person": person, "channels": channels})
