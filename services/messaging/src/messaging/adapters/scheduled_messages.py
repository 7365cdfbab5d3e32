"""Messages scheduled for a time (follow-ups for chosen leads, a message scheduled by hand):
each once per source key, claimed by ONE statement when due (`FOR UPDATE SKIP LOCKED`), so
any number of schedulers send it once (E8); canceled when the lead opts out or the client
goes."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

from messaging.adapters.leads import OFF_LIMITS

# Chosen leads in one statement: the ones off limits are refused, the rest scheduled once per
# (request, lead) (the key), with {name} and {business} filled in as every automation does.
_FOLLOW_UPS = text(f"""
    WITH chosen AS (
        SELECT l.id, l.client_id, l.name, p.business_name, {OFF_LIMITS} AS off_limits
        FROM leads l JOIN profiles p ON p.client_id = l.client_id
        WHERE l.client_id = :c AND l.id = ANY(CAST(:ids AS uuid[]))),
    added AS (
        INSERT INTO scheduled_messages (id, source_key, client_id, lead_id, body, purpose, due_at)
        SELECT gen_random_uuid(), :key || ':' || id, client_id, id,
               replace(replace(:template, '{{name}}', COALESCE(name, 'there')), '{{business}}',
                       COALESCE(business_name, 'us')),
               'follow_up', :due
        FROM chosen WHERE NOT off_limits
        ON CONFLICT (source_key) DO NOTHING RETURNING 1)
    SELECT (SELECT count(*) FROM added) AS scheduled,
           (SELECT count(*) FROM chosen WHERE NOT off_limits) AS allowed,
           (SELECT count(*) FROM chosen) AS found,
           ARRAY(SELECT id FROM chosen WHERE off_limits ORDER BY id) AS refused""")
_SCHEDULE_ONE = text("""
    INSERT INTO scheduled_messages (id, source_key, client_id, lead_id, body, purpose, due_at)
    VALUES (gen_random_uuid(), :key, :c, :l, :body, 'other', :due)
    ON CONFLICT (source_key) DO NOTHING""")
_PENDING = text("""
    SELECT id, body, purpose, due_at, status FROM scheduled_messages
    WHERE client_id = :c AND lead_id = :l AND status = 'pending' ORDER BY due_at, id LIMIT 50""")
_CANCEL_FOR_LEAD = text("""UPDATE scheduled_messages SET status = 'canceled'
                           WHERE lead_id = :l AND status = 'pending'""")
_CANCEL_FOR_CLIENT = text("UPDATE scheduled_messages SET status = 'canceled' WHERE client_id = :c AND status = 'pending'")
_CLAIM_DUE = text("""
    UPDATE scheduled_messages m SET status = 'sent'
    FROM leads l, numbers n
    WHERE m.id IN (SELECT id FROM scheduled_messages WHERE status = 'pending' AND due_at <= :now
                   ORDER BY due_at LIMIT :batch FOR UPDATE SKIP LOCKED)
      AND l.id = m.lead_id
      AND n.number = (SELECT number FROM numbers WHERE client_id = m.client_id AND released_at IS NULL
                      ORDER BY (number = l.client_number) DESC, number LIMIT 1)
    RETURNING m.id, m.client_id, m.lead_id, m.body, m.purpose, l.phone, n.number""")


@dataclass(frozen=True)
class FollowUps:
    scheduled: int  # new now
    already: int  # this request had scheduled them before
    refused: list[str]  # opted out or do-not-contact
    unknown: int  # not leads of this client


async def schedule_follow_ups(db: AsyncConnection, client_id: str, key: str, template: str,
                              lead_ids: list[uuid.UUID], due_at: datetime) -> FollowUps:
    row = (await db.execute(_FOLLOW_UPS, {"c": client_id, "key": key, "template": template, "due": due_at,
                                          "ids": lead_ids})).one()
    return FollowUps(row.scheduled, row.allowed - row.scheduled, [str(i) for i in row.refused],
                     len(set(lead_ids)) - row.found)


async def schedule_message(db: AsyncConnection, key: str, client_id: str, lead_id: uuid.UUID, body: str,
                           due_at: datetime) -> None:
    await db.execute(_SCHEDULE_ONE, {"key": key, "c": client_id, "l": lead_id, "body": body, "due": due_at})


async def pending_for_lead(db: AsyncConnection, client_id: str, lead_id: uuid.UUID) -> list[dict]:
    rows = (await db.execute(_PENDING, {"c": client_id, "l": lead_id})).all()
    return [{"id": str(r.id), "body": r.body, "purpose": r.purpose, "due_at": r.due_at.isoformat(),
             "status": r.status} for r in rows]


async def cancel_pending_for_lead(db: AsyncConnection, lead_id: uuid.UUID) -> None:
    await db.execute(_CANCEL_FOR_LEAD, {"l": lead_id})


async def cancel_pending_for_client(db: AsyncConnection, client_id: str) -> None:
    await db.execute(_CANCEL_FOR_CLIENT, {"c": client_id})


async def claim_due(db: AsyncConnection, now: datetime, batch: int) -> list[Row[Any]]:
    """Up to `batch` due messages, marked sent, each with its lead's phone and the number it goes from."""
    return list((await db.execute(_CLAIM_DUE, {"now": now, "batch": batch})).all())
