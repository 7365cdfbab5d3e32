"""Billing's read side for the admin gateway: the plan catalogue and a client's invoices,
a page at a time (keyset, revgen_common.pagination)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from sqlalchemy import text

from billing.entrypoints.http import Billing, ClientId
from revgen_common.api_errors import INPUT_ERRORS
from revgen_common.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT, decode_keyset, next_cursor

router = APIRouter(responses=INPUT_ERRORS)
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]

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


@router.get("/plans")
async def list_plans(billing: Billing, show: Literal["active", "all"] = "active", limit: Limit = DEFAULT_LIMIT,
                     cursor: Cursor = None) -> dict:
    """The plan catalogue by id: the plans offered now, or all of them."""
    (after,) = decode_keyset(cursor, str)
    async with billing.engine.connect() as db:
        rows = (await db.execute(_PLANS, {"active_only": show == "active", "after": after, "limit": limit + 1})).all()
    return {"data": [r._asdict() for r in rows[:limit]], "next": next_cursor(rows, limit, lambda r: (r.id,))}


@router.get("/clients/{client_id}/invoices")
async def list_invoices(client_id: ClientId, billing: Billing, limit: Limit = DEFAULT_LIMIT,
                        cursor: Cursor = None) -> dict:
    """The client's invoices, newest first (as Stripe's events recorded them)."""
    after_at, after_id = decode_keyset(cursor, datetime.fromisoformat, str)
    async with billing.engine.connect() as db:
        rows = (await db.execute(_INVOICES, {"client": client_id, "after_at": after_at, "after_id": after_id,
                                             "limit": limit + 1})).all()
    return {"data": jsonable_encoder([r._asdict() for r in rows[:limit]]),
            "next": next_cursor(rows, limit, lambda r: (r.created_at.isoformat(), r.id))}
