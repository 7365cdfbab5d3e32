"""Billing's read side for the gateway's account pages: the coupons (operators), a client's
disputes and conversions (what its won jobs were worth against what it paid, B6), and the
discrepancies reconciliation recorded (operators)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from billing.adapters import account_queries
from billing.entrypoints.answers import AgencyDispute, Conversions, CouponListed, Discrepancy, Dispute
from billing.entrypoints.http import Billing, ClientId
from revgen_common.api_errors import INPUT_ERRORS
from revgen_common.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT, Page

router = APIRouter(responses=INPUT_ERRORS)
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]


@router.get("/coupons", response_model=Page[CouponListed])
async def list_coupons(billing: Billing, show: Literal["active", "all"] = "active", limit: Limit = DEFAULT_LIMIT,
                       cursor: Cursor = None):
    """The coupons by id: those that can be redeemed now, or all of them."""
    return await account_queries.coupons(billing.engine, show == "active", limit, cursor)


@router.get("/clients/{client_id}/disputes", response_model=Page[Dispute])
async def list_disputes(client_id: ClientId, billing: Billing, limit: Limit = DEFAULT_LIMIT,
                        cursor: Cursor = None):
    """The client's disputed charges, newest first, with Stripe's status and reason."""
    return await account_queries.disputes(billing.engine, client_id, limit, cursor)


@router.get("/agencies/{agency_id}/disputes", response_model=Page[AgencyDispute])
async def list_agency_disputes(agency_id: ClientId, billing: Billing, limit: Limit = DEFAULT_LIMIT,
                               cursor: Cursor = None):
    """Every disputed charge of the agency's clients, newest first, each with its client."""
    return await account_queries.agency_disputes(billing.engine, agency_id, limit, cursor)


@router.get("/discrepancies", response_model=Page[Discrepancy])
async def list_discrepancies(billing: Billing, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None):
    """Every drift reconciliation found between Stripe and billing, newest first (once each)."""
    return await account_queries.discrepancies(billing.engine, limit, cursor)


@router.get("/clients/{client_id}/conversions", response_model=Conversions)
async def conversions(client_id: ClientId, billing: Billing):
    """The client's leads won, lost and open, what the won jobs were worth, and what it paid."""
    return await account_queries.conversions(billing.engine, client_id)
