"""Billing's read side for the admin gateway: the plan catalogue and a client's invoices,
a page at a time (keyset, revgen_common.pagination)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from billing.adapters import account_queries
from billing.entrypoints.answers import Invoice, PlanListed
from billing.entrypoints.http import Billing, ClientId
from revgen_common.api_errors import INPUT_ERRORS
from revgen_common.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT, Page

router = APIRouter(responses=INPUT_ERRORS)
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]

@router.get("/plans", response_model=Page[PlanListed])
async def list_plans(billing: Billing, show: Literal["active", "all"] = "active", limit: Limit = DEFAULT_LIMIT,
                     cursor: Cursor = None):
    """The plan catalogue by id: the plans offered now, or all of them."""
    return await account_queries.plans(billing.engine, show == "active", limit, cursor)


@router.get("/clients/{client_id}/invoices", response_model=Page[Invoice])
async def list_invoices(client_id: ClientId, billing: Billing, limit: Limit = DEFAULT_LIMIT,
                        cursor: Cursor = None):
    """The client's invoices, newest first (as Stripe's events recorded them)."""
    return await account_queries.invoices(billing.engine, client_id, limit, cursor)
