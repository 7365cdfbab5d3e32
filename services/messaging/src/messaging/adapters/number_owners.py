"""The client behind a number (or a client's first number), read with what a conversation
needs in one round trip: its business, persona and knowledge, and whether it is served
(ADR 0012): a suspended client's leads are recorded, and neither answered nor texted first."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_SERVICE = "LEFT JOIN service_states st ON st.client_id = n.client_id"
_OWNER = text(f"""SELECT n.client_id, p.business_name, p.persona, p.knowledge, st.status AS service_status,
                         st.since AS service_since
                  FROM numbers n JOIN profiles p ON p.client_id = n.client_id {_SERVICE}
                  WHERE n.number = :number AND n.released_at IS NULL AND p.deleted_at IS NULL""")
# An inbound SMS's client, and whether the sender opted out of it: keywords and answers both need it.
_OWNER_FOR_SMS = text(f"""SELECT n.client_id, p.business_name, p.persona, p.knowledge, st.status AS service_status,
                                 st.since AS service_since,
                                 EXISTS (SELECT 1 FROM opt_outs o WHERE o.scope = n.client_id AND o.phone = :phone)
                                 AS opted_out
                          FROM numbers n JOIN profiles p ON p.client_id = n.client_id {_SERVICE}
                          WHERE n.number = :number AND n.released_at IS NULL AND p.deleted_at IS NULL""")
# What drafting an answer needs, and what makes one needless (an opt-out, do-not-contact, a
# message already recorded).
_DRAFT_CONTEXT = text(f"""
    SELECT n.client_id, p.persona, p.knowledge, l.id AS lead_id, COALESCE(l.do_not_contact, false) AS do_not_contact,
           EXISTS (SELECT 1 FROM opt_outs o WHERE o.scope = n.client_id AND o.phone = :phone) AS opted_out,
           EXISTS (SELECT 1 FROM messages m WHERE m.message_sid = :sid) AS seen,
           st.status AS service_status, st.since AS service_since
    FROM numbers n JOIN profiles p ON p.client_id = n.client_id {_SERVICE}
    LEFT JOIN leads l ON l.client_id = n.client_id AND l.phone = :phone
    WHERE n.number = :number AND n.released_at IS NULL AND p.deleted_at IS NULL""")
_FIRST_NUMBER = text(f"""
    SELECT n.number, p.business_name, st.status AS service_status, st.since AS service_since
    FROM numbers n JOIN profiles p ON p.client_id = n.client_id {_SERVICE}
    WHERE n.client_id = :c AND n.released_at IS NULL AND p.deleted_at IS NULL ORDER BY n.number LIMIT 1""")


async def owner_of(db: AsyncConnection, number: str) -> Row[Any] | None:
    """The live client a live number belongs to; None when none does."""
    return (await db.execute(_OWNER, {"number": number})).first()


async def owner_for_sms(db: AsyncConnection, number: str, sender: str) -> Row[Any] | None:
    """As `owner_of`, with whether `sender` opted out of the client."""
    return (await db.execute(_OWNER_FOR_SMS, {"number": number, "phone": sender})).first()


async def draft_context(db: AsyncConnection, number: str, sender: str, message_sid: str) -> Row[Any] | None:
    return (await db.execute(_DRAFT_CONTEXT, {"number": number, "phone": sender, "sid": message_sid})).first()


async def first_number_of(db: AsyncConnection, client_id: str) -> Row[Any] | None:
    """A live client's first number, with its business and service state."""
    return (await db.execute(_FIRST_NUMBER, {"c": client_id})).first()


