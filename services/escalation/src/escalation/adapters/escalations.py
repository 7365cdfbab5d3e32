"""The escalations and their claim links: every state change is one conditional statement,
so each race (a link, the queue, an answered call, the timer) is settled by the database."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

from escalation.adapters.tables import claim_links

_CREATE = text("""
    INSERT INTO escalations (id, request_id, client_id, lead_phone, lead_name, reason, status, next_step_at,
                             due_at, created_at)
    VALUES (:id, :request_id, :client_id, :lead_phone, :lead_name, :reason, 'pending', :next_step_at, :due_at, :now)
    ON CONFLICT (request_id) DO NOTHING RETURNING id""")
# THE claim (D3): only a pending escalation can be taken, and only by an active member.
_CLAIM = text("""
    UPDATE escalations e SET status = 'claimed', claimed_by = l.person_id, claimed_at = :now
    FROM claim_links l
    WHERE l.token_hash = :token_hash AND e.id = l.escalation_id AND e.status = 'pending'
      AND EXISTS (SELECT 1 FROM team_members m
                  WHERE m.client_id = e.client_id AND m.person_id = l.person_id AND m.active)
    RETURNING e.id, e.client_id, e.request_id, e.lead_phone, e.lead_name, l.person_id""")
_LINK = text("""SELECT l.escalation_id, l.person_id, e.status, e.claimed_by, m.name AS owner_name
                FROM claim_links l JOIN escalations e ON e.id = l.escalation_id
                LEFT JOIN team_members m ON m.client_id = e.client_id AND m.person_id = e.claimed_by
                WHERE l.token_hash = :token_hash""")
_CLAIM_AS = text("""
    UPDATE escalations e SET status = 'claimed', claimed_by = :person, claimed_at = :now
    WHERE e.id = :id AND e.client_id = :client AND e.status = 'pending'
      AND EXISTS (SELECT 1 FROM team_members m WHERE m.client_id = e.client_id AND m.person_id = :person AND m.active)
    RETURNING e.id, e.client_id, e.request_id, e.lead_phone, e.lead_name, CAST(:person AS text) AS person_id""")
_RESOLVE_AS = text("""
    UPDATE escalations SET status = 'resolved'
    WHERE id = :id AND client_id = :client AND status = 'claimed' AND claimed_by = :person
    RETURNING id, client_id, request_id""")
_RESOLVE_BY_LINK = text("""
    UPDATE escalations e SET status = 'resolved' FROM claim_links l
    WHERE l.token_hash = :h AND e.id = l.escalation_id AND e.status = 'claimed'
      AND e.claimed_by = l.person_id
    RETURNING e.id, e.client_id, e.request_id, l.person_id""")
_STATE = text("""
    SELECT e.status, m.name AS owner_name,
           EXISTS (SELECT 1 FROM team_members t WHERE t.client_id = e.client_id AND t.person_id = :person AND t.active)
           AS on_team
    FROM escalations e LEFT JOIN team_members m ON m.client_id = e.client_id AND m.person_id = e.claimed_by
    WHERE e.id = :id AND e.client_id = :client""")
_DUE = text("""
    UPDATE escalations SET step = step + 1,
        next_step_at = CAST(:now AS timestamptz) + make_interval(secs => CAST(:every AS double precision)),
                           status = CASE WHEN step + 1 >= :expire_at THEN 'expired' ELSE status END
    WHERE id IN (SELECT id FROM escalations WHERE status = 'pending' AND next_step_at <= :now
                 ORDER BY next_step_at LIMIT :batch FOR UPDATE SKIP LOCKED)
    RETURNING id, client_id, request_id, lead_phone, lead_name, reason, step""")
_RELEASE = text("""
    UPDATE escalations SET status = 'pending', claimed_by = NULL, claimed_at = NULL, step = 0,
                           next_step_at = CAST(:now AS timestamptz) + make_interval(secs => CAST(:every AS double precision))
    WHERE client_id = :client AND claimed_by = :person AND status = 'claimed'
    RETURNING id, client_id, request_id, lead_phone, lead_name, reason""")
# A team member who answered the lead's call takes the lead: the same conditional UPDATE as
# a claim (pending, and the person an active member), over the lead's pending escalations.
_CLAIM_BY_CALL = text("""
    UPDATE escalations e SET status = 'claimed', claimed_by = :person, claimed_at = :now
    WHERE e.client_id = :client AND e.lead_phone = :lead AND e.status = 'pending'
      AND EXISTS (SELECT 1 FROM team_members m WHERE m.client_id = e.client_id AND m.person_id = :person AND m.active)
    RETURNING e.id, e.client_id, e.request_id, e.lead_phone, e.lead_name, CAST(:person AS text) AS person_id""")
_WITHDRAW = text("""
    UPDATE escalations e SET status = 'withdrawn'
    WHERE e.client_id = :c AND e.lead_phone = :p AND e.status IN ('pending', 'claimed')
    RETURNING e.id, e.client_id, e.request_id, e.lead_phone, e.lead_name, e.claimed_by,
              (SELECT COALESCE(m.phone, m.email) FROM team_members m
               WHERE m.client_id = e.client_id AND m.person_id = e.claimed_by) AS owner_contact""")
# Everyone a link was sent to for this escalation, and how to reach them now.
_TOLD = text("""
    SELECT DISTINCT m.person_id, m.name, COALESCE(m.phone, m.email) AS contact FROM claim_links l
    JOIN team_members m ON m.person_id = l.person_id AND m.client_id = :client
    WHERE l.escalation_id = :e AND COALESCE(m.phone, m.email) IS NOT NULL""")


async def create(db: AsyncConnection, *, id: uuid.UUID, request_id: str, client_id: str, lead_phone: str,
                 lead_name: str | None, reason: str, next_step_at: datetime, due_at: datetime | None,
                 now: datetime) -> uuid.UUID | None:
    """The new escalation's id; None when the request already has one."""
    created: uuid.UUID | None = await db.scalar(_CREATE, {
        "id": id, "request_id": request_id, "client_id": client_id, "lead_phone": lead_phone,
        "lead_name": lead_name, "reason": reason, "next_step_at": next_step_at, "due_at": due_at, "now": now})
    return created


async def claim_by_link(db: AsyncConnection, token_hash: bytes, now: datetime) -> Row[Any] | None:
    return (await db.execute(_CLAIM, {"token_hash": token_hash, "now": now})).first()


async def link(db: AsyncConnection, token_hash: bytes) -> Row[Any] | None:
    return (await db.execute(_LINK, {"token_hash": token_hash})).first()


async def claim_as(db: AsyncConnection, escalation_id: uuid.UUID, client_id: str, person_id: str,
                   now: datetime) -> Row[Any] | None:
    return (await db.execute(_CLAIM_AS, {"id": escalation_id, "client": client_id, "person": person_id,
                                         "now": now})).first()


async def claim_by_call(db: AsyncConnection, client_id: str, lead_phone: str, person_id: str,
                        now: datetime) -> list[Row[Any]]:
    return list((await db.execute(_CLAIM_BY_CALL, {"client": client_id, "lead": lead_phone, "person": person_id,
                                                   "now": now})).all())


async def resolve_as(db: AsyncConnection, escalation_id: uuid.UUID, client_id: str, person_id: str) -> Row[Any] | None:
    return (await db.execute(_RESOLVE_AS, {"id": escalation_id, "client": client_id, "person": person_id})).first()


async def resolve_by_link(db: AsyncConnection, token_hash: bytes) -> Row[Any] | None:
    return (await db.execute(_RESOLVE_BY_LINK, {"h": token_hash})).first()


async def state(db: AsyncConnection, escalation_id: uuid.UUID, client_id: str, person_id: str) -> Row[Any] | None:
    """Its status, its owner's name and whether `person_id` is on the client's team."""
    return (await db.execute(_STATE, {"id": escalation_id, "client": client_id, "person": person_id})).first()


async def advance_due(db: AsyncConnection, now: datetime, every_seconds: float, expire_at: int,
                      batch: int) -> list[Row[Any]]:
    return list((await db.execute(_DUE, {"now": now, "every": every_seconds, "expire_at": expire_at,
                                         "batch": batch})).all())


async def release_claims_of(db: AsyncConnection, client_id: str, person_id: str, now: datetime,
                            every_seconds: float) -> list[Row[Any]]:
    return list((await db.execute(_RELEASE, {"client": client_id, "person": person_id, "now": now,
                                             "every": every_seconds})).all())


async def withdraw_open(db: AsyncConnection, client_id: str, lead_phone: str) -> list[Row[Any]]:
    return list((await db.execute(_WITHDRAW, {"c": client_id, "p": lead_phone})).all())


async def add_claim_link(db: AsyncConnection, token_hash: bytes, escalation_id: uuid.UUID, person_id: str) -> None:
    await db.execute(insert(claim_links).values(token_hash=token_hash, escalation_id=escalation_id,
                                                person_id=person_id))


async def told_of(db: AsyncConnection, escalation_id: uuid.UUID, client_id: str) -> list[Row[Any]]:
    return list((await db.execute(_TOLD, {"e": escalation_id, "client": client_id})).all())
