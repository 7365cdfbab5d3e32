"""The read side the gateway's billing pages ask for: plans, coupons, subscriptions and
cancellation requests, a client's invoices and disputes (or every client's of an agency), the
discrepancies reconciliation recorded, and a client's conversions. Keyset pages
(revgen_common.pagination), so a deep page costs what the first does (S4)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.pagination import decode_keyset, next_cursor

_PLANS = text("""
    SELECT id, name, amount_cents, currency, interval, trial_days, active FROM plans
    WHERE (CAST(:active_only AS boolean) IS FALSE OR active)
      AND (CAST(:after AS text) IS NULL OR id > :after)
    ORDER BY id LIMIT :limit""")
_INVOICES = text("""
    SELECT id, subscription_id, status, amount_due, amount_paid, currency, attempt_count, created_at FROM invoices
    WHERE client_id = :client
      AND (CAST(:after_at AS timestamptz) IS NULL OR (created_at, id) < (:after_at, :after_id))
    ORDER BY created_at DESC, id DESC LIMIT :limit""")
_SUBSCRIPTIONS = text("""
    SELECT * FROM subscriptions WHERE (CAST(:after AS text) IS NULL OR id > :after)
      AND (CAST(:client AS text) IS NULL OR client_id = :client)
    ORDER BY id LIMIT :limit""")
_SUBSCRIPTION = text("SELECT * FROM subscriptions WHERE id = :id")
_CANCELLATION = text("SELECT id, client_id, subscription_id, status, offer FROM cancellation_requests WHERE id = :id")
_COUPONS = text("""
    SELECT id, percent_off, amount_off_cents, currency, duration, duration_in_months, max_redemptions, redeemed,
           redeem_by, active, created_at FROM coupons
    WHERE (CAST(:active_only AS boolean) IS FALSE OR active) AND (CAST(:after AS text) IS NULL OR id > :after)
    ORDER BY id LIMIT :limit""")
_DISPUTES = text("""
    SELECT id, charge_id, amount, currency, status, reason, created_at, updated_at FROM disputes
    WHERE client_id = :client
      AND (CAST(:after_at AS timestamptz) IS NULL OR (created_at, id) < (:after_at, :after_id))
    ORDER BY created_at DESC, id DESC LIMIT :limit""")
# Every client the agency ever had, deleted ones too: their disputes are still the agency's to answer.
_AGENCY_DISPUTES = text("""
    SELECT d.id, d.client_id, d.charge_id, d.amount, d.currency, d.status, d.reason, d.created_at, d.updated_at
    FROM disputes d JOIN client_agencies a ON a.client_id = d.client_id
    WHERE a.agency_id = :agency
      AND (CAST(:after_at AS timestamptz) IS NULL OR (d.created_at, d.id) < (:after_at, :after_id))
    ORDER BY d.created_at DESC, d.id DESC LIMIT :limit""")
_DISCREPANCIES = text("""
    SELECT id, kind, object_id, detail, repaired, found_at FROM discrepancies
    WHERE (CAST(:before AS bigint) IS NULL OR id < :before)
    ORDER BY id DESC LIMIT :limit""")
# Paid is what Stripe collected on the client's invoices; won is what its leads' jobs were worth (B6).
_CONVERSIONS = text("""
    SELECT count(*) FILTER (WHERE outcome = 'open') AS open,
           count(*) FILTER (WHERE outcome = 'won') AS won,
           count(*) FILTER (WHERE outcome = 'lost') AS lost,
           count(*) FILTER (WHERE outcome = 'won' AND job_value_cents IS NOT NULL) AS won_with_value,
           coalesce(sum(job_value_cents) FILTER (WHERE outcome = 'won'), 0) AS won_value_cents,
           (SELECT coalesce(sum(amount_paid), 0) FROM invoices WHERE client_id = :client) AS paid_cents
    FROM lead_outcomes WHERE client_id = :client""")


async def plans(engine: AsyncEngine, active_only: bool, limit: int, cursor: str | None) -> dict[str, Any]:
    (after,) = decode_keyset(cursor, str)
    async with engine.connect() as db:
        rows = (await db.execute(_PLANS, {"active_only": active_only, "after": after, "limit": limit + 1})).all()
    return {"data": [r._asdict() for r in rows[:limit]], "next": next_cursor(rows, limit, lambda r: (r.id,))}


async def invoices(engine: AsyncEngine, client_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    after_at, after_id = decode_keyset(cursor, datetime.fromisoformat, str)
    async with engine.connect() as db:
        rows = (await db.execute(_INVOICES, {"client": client_id, "after_at": after_at, "after_id": after_id,
                                             "limit": limit + 1})).all()
    return _page(rows, limit, lambda r: (r.created_at.isoformat(), r.id))


async def subscriptions(engine: AsyncEngine, starting_after: str | None, client_id: str | None,
                        limit: int) -> dict[str, Any]:
    """Subscriptions by id after `starting_after` (Stripe's style of page)."""
    async with engine.connect() as db:
        rows = (await db.execute(_SUBSCRIPTIONS, {"after": starting_after, "client": client_id,
                                                  "limit": limit + 1})).all()
    page = [r._asdict() for r in rows[:limit]]
    return {"data": page, "has_more": len(rows) > limit, "next": page[-1]["id"] if len(rows) > limit else None}


async def subscription(engine: AsyncEngine, subscription_id: str) -> dict[str, Any] | None:
    return await _one(engine, _SUBSCRIPTION, subscription_id)


async def cancellation(engine: AsyncEngine, request_id: uuid.UUID) -> dict[str, Any] | None:
    return await _one(engine, _CANCELLATION, request_id)


async def _one(engine: AsyncEngine, query: TextClause, id: Any) -> dict[str, Any] | None:
    async with engine.connect() as db:
        row = (await db.execute(query, {"id": id})).first()
    return None if row is None else row._asdict()


async def coupons(engine: AsyncEngine, active_only: bool, limit: int, cursor: str | None) -> dict[str, Any]:
    (after,) = decode_keyset(cursor, str)
    async with engine.connect() as db:
        rows = (await db.execute(_COUPONS, {"active_only": active_only, "after": after, "limit": limit + 1})).all()
    return _page(rows, limit, lambda r: (r.id,))


async def disputes(engine: AsyncEngine, client_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    return await _disputes(engine, _DISPUTES, {"client": client_id}, limit, cursor)


async def agency_disputes(engine: AsyncEngine, agency_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    return await _disputes(engine, _AGENCY_DISPUTES, {"agency": agency_id}, limit, cursor)


async def _disputes(engine: AsyncEngine, query, whose: dict, limit: int, cursor: str | None) -> dict[str, Any]:
    after_at, after_id = decode_keyset(cursor, datetime.fromisoformat, str)
    async with engine.connect() as db:
        rows = (await db.execute(query, {**whose, "after_at": after_at, "after_id": after_id, "limit": limit + 1})).all()
    return _page(rows, limit, lambda r: (r.created_at.isoformat(), r.id))


async def discrepancies(engine: AsyncEngine, limit: int, cursor: str | None) -> dict[str, Any]:
    (before,) = decode_keyset(cursor, _row_id)
    async with engine.connect() as db:
        rows = (await db.execute(_DISCREPANCIES, {"before": before, "limit": limit + 1})).all()
    return _page(rows, limit, lambda r: (str(r.id),))


async def conversions(engine: AsyncEngine, client_id: str) -> dict[str, Any]:
    async with engine.connect() as db:
        row = (await db.execute(_CONVERSIONS, {"client": client_id})).one()
    figures = {k: int(v) for k, v in row._asdict().items()}
    decided = figures["won"] + figures["lost"]
    return {**figures, "win_rate": figures["won"] / decided if decided else None,
            "return_on_spend": figures["won_value_cents"] / figures["paid_cents"] if figures["paid_cents"] else None}


def _row_id(value: str) -> int:
    number = int(value)
    if not 0 < number < 2**63:  # a bigserial; a forged cursor beyond it must not reach PostgreSQL
        raise ValueError(value)
    return number


def _page(rows, limit: int, position) -> dict[str, Any]:
    return {"data": jsonable_encoder([r._asdict() for r in rows[:limit]]), "next": next_cursor(rows, limit, position)}
