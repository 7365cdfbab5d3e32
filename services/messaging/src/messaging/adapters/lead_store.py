"""The SQL behind the commands people issue about one client's leads (service_layer/
lead_commands.py): the do-not-contact mark, follow-ups for chosen leads, a message scheduled
by hand. A lead "may not be contacted" when it is marked do-not-contact or opted out of the
client's numbers: the same facts the sender decides on (service_layer/sends.py)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_OFF_LIMITS = ("(l.do_not_contact OR EXISTS (SELECT 1 FROM opt_outs o "
               "WHERE o.scope = l.client_id AND o.phone = l.phone))")

_CONTACT = text(f"""
    SELECT l.id, l.phone, l.name, l.do_not_contact, {_OFF_LIMITS} AS off_limits
    FROM leads l WHERE l.client_id = :c AND l.id = :l""")
# Only a change is a change: the same command again updates nothing and announces nothing.
_MARK = text("""
    UPDATE leads SET do_not_contact = :value
    WHERE client_id = :c AND id = :l AND do_not_contact IS DISTINCT FROM :value
    RETURNING phone""")
# Chosen leads in one statement: the ones off limits are refused, the rest scheduled once per
# (request, lead) (the key), with {name} and {business} filled in as every automation does.
_FOLLOW_UPS = text(f"""
    WITH chosen AS (
        SELECT l.id, l.client_id, l.name, p.business_name, {_OFF_LIMITS} AS off_limits
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
_SCHEDULED = text("""
    SELECT id, body, purpose, due_at, status FROM scheduled_messages
    WHERE client_id = :c AND lead_id = :l AND status = 'pending' ORDER BY due_at, id LIMIT 50""")


@dataclass(frozen=True)
class FollowUps:
    scheduled: int  # new now
    already: int  # this request had scheduled them before
    refused: list[str]  # opted out or do-not-contact
    unknown: int  # not leads of this client


async def contact_facts(db: AsyncConnection, client_id: str, lead_id: uuid.UUID):
    return (await db.execute(_CONTACT, {"c": client_id, "l": lead_id})).first()


async def mark_do_not_contact(db: AsyncConnection, client_id: str, lead_id: uuid.UUID, value: bool) -> str | None:
    """The lead's phone when the mark changed; None when it already was so."""
    return await db.scalar(_MARK, {"c": client_id, "l": lead_id, "value": value})


async def schedule_follow_ups(db: AsyncConnection, client_id: str, key: str, template: str,
                              lead_ids: list[uuid.UUID], due_at: datetime) -> FollowUps:
    row = (await db.execute(_FOLLOW_UPS, {"c": client_id, "key": key, "template": template, "due": due_at,
                                          "ids": lead_ids})).one()
    return FollowUps(row.scheduled, row.allowed - row.scheduled, [str(i) for i in row.refused],
                     len(set(lead_ids)) - row.found)


async def schedule_message(db: AsyncConnection, key: str, client_id: str, lead_id: uuid.UUID, body: str,
                           due_at: datetime) -> None:
    await db.execute(_SCHEDULE_ONE, {"key": key, "c": client_id, "l": lead_id, "body": body, "due": due_at})


async def scheduled_messages(db: AsyncConnection, client_id: str, lead_id: uuid.UUID) -> list[dict]:
    rows = (await db.execute(_SCHEDULED, {"c": client_id, "l": lead_id})).all()
    return [{"id": str(r.id), "body": r.body, "purpose": r.purpose, "due_at": r.due_at.isoformat(),
             "status": r.status} for r in rows]
