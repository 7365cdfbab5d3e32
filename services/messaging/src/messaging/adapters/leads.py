"""Leads: recorded once per (client, phone) whichever way they arrive, read by the admin UI,
chosen for automation runs, marked do-not-contact, won or lost. A lead "may not be
contacted" when it is marked do-not-contact or opted out of the client's numbers: the same
facts the sender decides on (service_layer/sends.py)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

OFF_LIMITS = ("(l.do_not_contact OR EXISTS (SELECT 1 FROM opt_outs o "
              "WHERE o.scope = l.client_id AND o.phone = l.phone))")

_RECORD = text("""
    INSERT INTO leads (id, client_id, phone, name, source, client_number, last_inbound_at, created_at)
    VALUES (:id, :client, :phone, :name, :source, :number, :inbound, :now)
    ON CONFLICT (client_id, phone) DO UPDATE SET name = COALESCE(leads.name, EXCLUDED.name),
        client_number = COALESCE(EXCLUDED.client_number, leads.client_number),
        last_inbound_at = COALESCE(EXCLUDED.last_inbound_at, leads.last_inbound_at)
    RETURNING id, name, do_not_contact, (xmax = 0) AS is_new""")
_BY_PHONE = text("SELECT id, client_number FROM leads WHERE client_id = :c AND phone = :p")
_PAGE = text("""
    SELECT id, phone, name, source, status, do_not_contact, last_inbound_at, answered_at, created_at
    FROM leads WHERE client_id = :c
      AND (CAST(:after_at AS timestamptz) IS NULL OR (created_at, id) < (:after_at, CAST(:after_id AS uuid)))
    ORDER BY created_at DESC, id DESC LIMIT :limit""")
_ONE = text("""
    SELECT l.id, l.phone, l.name, l.source, l.status, l.job_value_cents, l.do_not_contact, l.client_number,
           l.last_inbound_at, l.answered_at, l.created_at,
           EXISTS (SELECT 1 FROM opt_outs o WHERE o.scope = l.client_id AND o.phone = l.phone) AS opted_out
    FROM leads l WHERE l.client_id = :c AND l.id = :l""")
_CONTACT = text(f"""
    SELECT l.id, l.phone, l.name, l.do_not_contact, {OFF_LIMITS} AS off_limits
    FROM leads l WHERE l.client_id = :c AND l.id = :l""")
# Only a change is a change: the same command again updates nothing and announces nothing.
_MARK = text("""
    UPDATE leads SET do_not_contact = :value
    WHERE client_id = :c AND id = :l AND do_not_contact IS DISTINCT FROM :value
    RETURNING phone""")
_OUTCOME = text("""UPDATE leads SET status = :o, job_value_cents = :v
                   WHERE id = CAST(:l AS uuid) AND client_id = :c RETURNING id""")
_LOSE_OPEN = text("""UPDATE leads SET status = 'lost' WHERE client_id = :c AND status = 'open'
                     RETURNING id""")
# Everything a run needs about its leads, in ONE query: opted-out and do-not-contact leads
# are left out here, and the gateway checks again at send time.
_FOR_RUN = text("""
    SELECT l.id, l.phone, l.name, n.number, p.business_name
    FROM leads l JOIN profiles p ON p.client_id = l.client_id AND p.deleted_at IS NULL
    JOIN LATERAL (SELECT number FROM numbers WHERE client_id = l.client_id AND released_at IS NULL
                  -- the number the lead knows, else one of the client's numbers per lead: carriers
                  -- pace each number, so a large run is spread over all of them
                  ORDER BY (number = l.client_number) DESC, md5(number || l.id::text) LIMIT 1) n ON true
    WHERE l.client_id = :client AND l.status = ANY(:statuses) AND NOT l.do_not_contact
      AND COALESCE(l.last_inbound_at, l.created_at) < :inactive_since
      AND (CAST(:lead_ids AS uuid[]) IS NULL OR l.id = ANY(CAST(:lead_ids AS uuid[])))
      AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.scope IN (l.client_id, :platform) AND o.phone = l.phone)
    ORDER BY l.id""")


async def record(db: AsyncConnection, client_id: str, phone: str, source: str, *, name: str | None,
                 client_number: str | None, inbound_at: datetime | None, now: datetime) -> Row[Any]:
    """The lead (new or known) with its name, do-not-contact mark and whether it is new."""
    return (await db.execute(_RECORD, {
        "id": uuid.uuid4(), "client": client_id, "phone": phone, "name": name, "source": source,
        "number": client_number, "inbound": inbound_at, "now": now})).one()


async def by_phone(db: AsyncConnection, client_id: str, phone: str) -> Row[Any] | None:
    return (await db.execute(_BY_PHONE, {"c": client_id, "p": phone})).first()


async def page(db: AsyncConnection, client_id: str, limit: int, after_at: datetime | None,
               after_id: uuid.UUID | None) -> list[Row[Any]]:
    """A client's leads newest first, after the keyset (created_at, id)."""
    return list((await db.execute(_PAGE, {"c": client_id, "limit": limit, "after_id": after_id,
                                          "after_at": after_at})).all())


async def one(db: AsyncConnection, client_id: str, lead_id: uuid.UUID) -> Row[Any] | None:
    """The lead with whether it opted out."""
    return (await db.execute(_ONE, {"c": client_id, "l": lead_id})).first()


async def contact_facts(db: AsyncConnection, client_id: str, lead_id: uuid.UUID) -> Row[Any] | None:
    return (await db.execute(_CONTACT, {"c": client_id, "l": lead_id})).first()


async def mark_do_not_contact(db: AsyncConnection, client_id: str, lead_id: uuid.UUID, value: bool) -> str | None:
    """The lead's phone when the mark changed; None when it already was so."""
    phone: str | None = await db.scalar(_MARK, {"c": client_id, "l": lead_id, "value": value})
    return phone


async def record_outcome(db: AsyncConnection, client_id: str, lead_id: str, outcome: str,
                         job_value_cents: int | None) -> bool:
    """False when the client has no such lead."""
    return await db.scalar(_OUTCOME, {"o": outcome, "v": job_value_cents, "l": lead_id, "c": client_id}) is not None


async def lose_open(db: AsyncConnection, client_id: str) -> list[uuid.UUID]:
    """The client's open leads, now lost."""
    return list((await db.execute(_LOSE_OPEN, {"c": client_id})).scalars().all())


async def for_run(db: AsyncConnection, client_id: str, statuses: list[str], inactive_since: datetime,
                  lead_ids: list[uuid.UUID] | None, platform: str) -> list[Row[Any]]:
    """The leads an automation run texts, each with the number it goes from and the business."""
    return list((await db.execute(_FOR_RUN, {
        "client": client_id, "statuses": statuses, "inactive_since": inactive_since, "lead_ids": lead_ids,
        "platform": platform})).all())
