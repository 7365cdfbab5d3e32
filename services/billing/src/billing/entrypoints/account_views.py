"""Billing's read side for the gateway's account pages: the coupons (operators), a client's
disputes and conversions (what its won jobs were worth against what it paid, B6), and the
discrepancies reconciliation recorded (operators)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from billing.adapters import account_queries
from billing.entrypoints.http import Billing, ClientId
from revgen_common.api_errors import INPUT_ERRORS
from revgen_common.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT

router = APIRouter(responses=INPUT_ERRORS)
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]


@router.get("/coupons")
async def list_coupons(billing: Billing, show: Literal["active", "all"] = "active", limit: Limit = DEFAULT_LIMIT,
                       cursor: Cursor = None) -> dict:
    """The coupons by id: those that can be redeemed now, or all of them."""
    return await account_queries.coupons(billing.engine, show == "active", limit, cursor)


@router.get("/clients/{client_id}/disputes")
async def list_disputes(client_id: ClientId, billing: Billing, limit: Limit = DEFAULT_LIMIT,
                        cursor: Cursor = None) -> dict:
    """The client's disputed charges, newest first, with Stripe's status and reason."""
    return await account_queries.disputes(billing.engine, client_id, limit, cursor)


@router.get("/agencies/{agency_id}/disputes")
async def list_agency_disputes(agency_id: ClientId, billing: Billing, limit: Limit = DEFAULT_LIMIT,
                               cursor: Cursor = None) -> dict:
    """Every disputed charge of the agency's clients, newest first, each with its client."""
    return await account_queries.agency_disputes(billing.engine, agency_id, limit, cursor)


@router.get("/discrepancies")
async def list_discrepancies(billing: Billing, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict:
    """Every drift reconciliation found between Stripe and billing, newest first (once each)."""
    return await account_queries.discrepancies(billing.engine, limit, cursor)


@router.get("/clients/{client_id}/conversions")
async def conversions(client_id: ClientId, billing: Billing) -> dict:
    """The client's leads won, lost and open, what the won jobs were worth, and what it paid."""
    return await account_queries.conversions(billing.engine, client_id)
