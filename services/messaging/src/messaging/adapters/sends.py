"""Outbound texts (`sends`): queued once per source key, decided and claimed before Twilio
is called, then recorded with Twilio's answer or finished (blocked, canceled, failed), and
moved forward by delivery statuses (service_layer/sends.py, delivery.py)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_QUEUE = text("""
    INSERT INTO sends (id, source_key, client_id, lead_id, to_number, from_number, body, purpose, status)
    SELECT id, source_key, client_id, lead_id, to_number, from_number, body, purpose, 'pending'
    FROM unnest(CAST(:ids AS uuid[]), CAST(:keys AS text[]), CAST(:clients AS text[]), CAST(:leads AS uuid[]),
                CAST(:tos AS text[]), CAST(:froms AS text[]), CAST(:bodies AS text[]), CAST(:purposes AS text[]))
         AS o(id, source_key, client_id, lead_id, to_number, from_number, body, purpose)
    ON CONFLICT (source_key) DO NOTHING
    RETURNING id, to_number, from_number""")
_FACTS = text("""
    SELECT s.id, s.status, s.client_id, s.lead_id, s.to_number, s.from_number, s.body, s.purpose, s.claimed_at,
           EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = s.to_number
                   AND o.scope = COALESCE(s.client_id, :platform)) AS opted_out,
           COALESCE(l.do_not_contact, false) AS do_not_contact,
           COALESCE(p.timezone, 'America/New_York') AS timezone,
           COALESCE(p.quiet_start, TIME '21:00') AS quiet_start, COALESCE(p.quiet_end, TIME '08:00') AS quiet_end,
           p.monthly_limit, p.deleted_at IS NOT NULL AS client_deleted,
           st.status AS service_status, st.since AS service_since
    FROM sends s LEFT JOIN leads l ON l.id = s.lead_id LEFT JOIN profiles p ON p.client_id = s.client_id
    LEFT JOIN service_states st ON st.client_id = s.client_id
    WHERE s.id = :id FOR UPDATE OF s""")
_DEFER = text("UPDATE sends SET status = 'deferred', not_before = :t WHERE id = :id")
# D7 and D9: the month is part of the key, and the limit is checked in the same statement,
# which claims the send only if the month had room. The month is the client's own: a New
# York client's December starts at 05:00 UTC.
_RESERVE_AND_CLAIM = text("""
    WITH reserved AS (
        INSERT INTO usage (client_id, month, sent) VALUES (:client, :month, 1)
        ON CONFLICT (client_id, month) DO UPDATE SET sent = usage.sent + 1 WHERE usage.sent < :limit
        RETURNING sent)
    UPDATE sends SET status = 'claimed', claimed_at = :now, usage_month = :month
    WHERE id = :id AND EXISTS (SELECT 1 FROM reserved)
    RETURNING id""")
_CLAIM = text("UPDATE sends SET status = 'claimed', claimed_at = :now, usage_month = NULL WHERE id = :id")
# Twilio's answer: the send's sid and status (a delivery status that came first wins), the
# conversation's outgoing message, and the lead answered by its first one (the daily figures
# count these), in one round trip.
_RECORD_ACCEPTED = text("""
    WITH sent AS (
        UPDATE sends SET twilio_sid = :sid,
            status = CASE WHEN delivery_rank(COALESCE(d.status, 'queued')) > delivery_rank('queued')
                          THEN d.status ELSE 'queued' END,
            error_code = d.error_code
        FROM (SELECT CAST(:sid AS text) AS sid) AS x LEFT JOIN delivery_statuses d ON d.twilio_sid = x.sid
        WHERE sends.id = :id
        RETURNING sends.id),
    conversation AS (
        INSERT INTO messages (client_id, lead_id, direction, body, client_number, send_id, created_at)
        SELECT CAST(:client AS text), CAST(:lead AS uuid), 'out', CAST(:body AS text), CAST(:number AS text),
               CAST(:id AS uuid), CAST(:now AS timestamptz)
        WHERE CAST(:lead AS uuid) IS NOT NULL),
    answered AS (
        UPDATE leads SET answered_at = :now WHERE id = CAST(:lead AS uuid) AND answered_at IS NULL)
    SELECT count(*) FROM sent""")
_FINISH = text("UPDATE sends SET status = :s, blocked_reason = :r WHERE id = :id")
_ERROR_CODE = text("UPDATE sends SET error_code = :code WHERE id = :id")
_RELEASE = text("""UPDATE sends SET status = 'pending', claimed_at = NULL, usage_month = NULL
                   WHERE id = :id AND status = 'claimed'""")
_CANCEL_UNSENT_OF_CLIENT = text("""UPDATE sends SET status = 'canceled', blocked_reason = 'client_deleted'
                                   WHERE client_id = :c AND status IN ('pending', 'deferred')""")
_RELEASE_DUE_DEFERRED = text("""
    UPDATE sends SET status = 'pending', not_before = NULL
    WHERE id IN (SELECT id FROM sends WHERE status = 'deferred' AND not_before <= :now
                 ORDER BY not_before LIMIT :batch FOR UPDATE SKIP LOCKED)
    RETURNING id, to_number, from_number""")
_BY_SOURCE = text("SELECT id, status FROM sends WHERE source_key = :k")
# Sends that never became a message: waiting (quiet hours, the queue), blocked or canceled.
_UNSENT_TO_LEAD = text("""
    SELECT s.id, s.body, s.purpose, s.status, s.blocked_reason, s.not_before FROM sends s
    WHERE s.lead_id = :l AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.send_id = s.id)
      AND s.status IN ('pending', 'deferred', 'claimed', 'blocked', 'canceled')
    ORDER BY s.created_at DESC, s.id LIMIT 20""")


async def queue(db: AsyncConnection, *, source_keys: list[str], client_ids: list[str | None],
                lead_ids: list[uuid.UUID | None], tos: list[str], froms: list[str], bodies: list[str],
                purposes: list[str]) -> list[Row[Any]]:
    """One statement however many; those whose source key was queued before are skipped.
    The new ones' id, to_number and from_number."""
    return list((await db.execute(_QUEUE, {
        "ids": [uuid.uuid4() for _ in source_keys], "keys": source_keys, "clients": client_ids, "leads": lead_ids,
        "tos": tos, "froms": froms, "bodies": bodies, "purposes": purposes})).all())


async def facts_for_update(db: AsyncConnection, send_id: uuid.UUID, platform: str) -> Row[Any] | None:
    """The send, locked, with everything compliance decides on (opt-out, do-not-contact, the
    client's quiet hours, limit, deletion and service state)."""
    return (await db.execute(_FACTS, {"id": send_id, "platform": platform})).first()


async def defer(db: AsyncConnection, send_id: uuid.UUID, until: datetime) -> None:
    await db.execute(_DEFER, {"t": until, "id": send_id})


async def reserve_and_claim(db: AsyncConnection, send_id: uuid.UUID, client_id: str, month: str, limit: int,
                            now: datetime) -> bool:
    """False when the client's month is full (the send is not claimed)."""
    return await db.scalar(_RESERVE_AND_CLAIM, {"client": client_id, "month": month, "limit": limit, "now": now,
                                                "id": send_id}) is not None


async def claim(db: AsyncConnection, send_id: uuid.UUID, now: datetime) -> None:
    await db.execute(_CLAIM, {"now": now, "id": send_id})


async def record_accepted(db: AsyncConnection, send_id: uuid.UUID, twilio_sid: str, client_id: str | None,
                          lead_id: uuid.UUID | None, body: str, from_number: str, now: datetime) -> None:
    await db.execute(_RECORD_ACCEPTED, {"sid": twilio_sid, "id": send_id, "client": client_id, "lead": lead_id,
                                        "body": body, "number": from_number, "now": now})


async def finish(db: AsyncConnection, send_id: uuid.UUID, status: str, reason: str) -> None:
    await db.execute(_FINISH, {"s": status, "r": reason, "id": send_id})


async def set_error_code(db: AsyncConnection, send_id: uuid.UUID, code: int) -> None:
    await db.execute(_ERROR_CODE, {"code": code, "id": send_id})


async def release(db: AsyncConnection, send_id: uuid.UUID) -> None:
    """A claimed send back to pending: nothing reached Twilio."""
    await db.execute(_RELEASE, {"id": send_id})


async def cancel_unsent_of_client(db: AsyncConnection, client_id: str) -> None:
    await db.execute(_CANCEL_UNSENT_OF_CLIENT, {"c": client_id})


async def release_due_deferred(db: AsyncConnection, now: datetime, batch: int) -> list[Row[Any]]:
    """Up to `batch` deferred sends whose time came, pending again (id, to_number, from_number)."""
    return list((await db.execute(_RELEASE_DUE_DEFERRED, {"now": now, "batch": batch})).all())


async def by_source(db: AsyncConnection, source_key: str) -> Row[Any]:
    return (await db.execute(_BY_SOURCE, {"k": source_key})).one()


async def unsent_to_lead(db: AsyncConnection, lead_id: uuid.UUID) -> list[Row[Any]]:
    return list((await db.execute(_UNSENT_TO_LEAD, {"l": lead_id})).all())
