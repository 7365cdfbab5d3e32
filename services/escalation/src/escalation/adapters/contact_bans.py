"""Escalation's read model of the leads nobody may be sent after: opted out (messaging's
LeadOptedOut/LeadOptedIn) or marked do-not-contact by a person (LeadDoNotContactChanged)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from escalation.adapters.tables import opted_out_leads

_OFF_LIMITS = text("""
    SELECT EXISTS (SELECT 1 FROM opted_out_leads WHERE client_id = :c AND lead_phone = :p)
        OR EXISTS (SELECT 1 FROM do_not_contact_leads WHERE client_id = :c AND lead_phone = :p AND do_not_contact)""")
# The newest change wins, whatever order the changes arrive in; the same one again changes nothing.
_MARK = text("""
    INSERT INTO do_not_contact_leads (client_id, lead_phone, do_not_contact, changed_at) VALUES (:c, :p, :v, :at)
    ON CONFLICT (client_id, lead_phone) DO UPDATE SET do_not_contact = :v, changed_at = :at
        WHERE do_not_contact_leads.changed_at < :at
    RETURNING 1""")


async def off_limits(db: AsyncConnection, client_id: str, lead_phone: str) -> bool:
    return bool(await db.scalar(_OFF_LIMITS, {"c": client_id, "p": lead_phone}))


async def mark_do_not_contact(db: AsyncConnection, client_id: str, lead_phone: str, value: bool,
                              changed_at: datetime) -> bool:
    """True when this change is now the lead's newest."""
    return bool(await db.scalar(_MARK, {"c": client_id, "p": lead_phone, "v": value, "at": changed_at}))


async def record_opt_out(db: AsyncConnection, client_id: str, lead_phone: str, opted_out_at: datetime) -> None:
    await db.execute(insert(opted_out_leads).values(client_id=client_id, lead_phone=lead_phone,
                                                    opted_out_at=opted_out_at).on_conflict_do_nothing())


async def clear_opt_out(db: AsyncConnection, client_id: str, lead_phone: str) -> None:
    await db.execute(delete(opted_out_leads).where(opted_out_leads.c.client_id == client_id,
                                                   opted_out_leads.c.lead_phone == lead_phone))
