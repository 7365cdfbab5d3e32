"""/api/v1 account views (billing's read side): the coupons (operators), a client's disputes
and its conversions and return on spend (B6), and the discrepancies reconciliation found
(operators)."""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from gateway.domain.rules import OnClient, OnPlatform
from gateway.entrypoints.dependencies import DEFAULT_PAGE, Cursor, GatewayDep, Limit
from gateway.entrypoints.route_table import RouteTable
from revgen_common.contracts.permissions import Permission
from revgen_common.pagination import Page

table = RouteTable(prefix="/api/v1", tags=["billing"])
CLIENT_BILLING = OnClient(Permission.BILLING_MANAGE)


class CouponListed(BaseModel):
    id: str
    percent_off: Decimal | None
    amount_off_cents: int | None
    currency: str | None
    duration: str
    duration_in_months: int | None
    max_redemptions: int | None
    redeemed: int
    redeem_by: datetime | None = Field(description="after it, the coupon is refused")
    active: bool
    created_at: datetime


class Dispute(BaseModel):
    id: str
    charge_id: str
    amount: int = Field(description="cents")
    currency: str
    status: str = Field(description="Stripe's: needs_response, under_review, won, lost …")
    reason: str | None
    created_at: datetime
    updated_at: datetime


class Discrepancy(BaseModel):
    id: int
    kind: str = Field(description="status_mismatch, missing_locally, missing_at_stripe, undelivered_event, "
                                  "reconciliation_error")
    object_id: str
    detail: str
    repaired: bool = Field(description="reconciliation brought billing back to Stripe's state")
    found_at: datetime


class Conversions(BaseModel):
    open: int
    won: int
    lost: int
    won_with_value: int = Field(description="won leads whose job value was recorded")
    won_value_cents: int
    paid_cents: int = Field(description="what the client paid on its invoices")
    win_rate: float | None = Field(description="won of won and lost; null before any is decided")
    return_on_spend: float | None = Field(description="won job value per unit paid; null before any payment")


@table.get("/coupons", rule=OnPlatform(Permission.CATALOG_MANAGE), response_model=Page[CouponListed])
async def list_coupons(gw: GatewayDep, show: Literal["active", "all"] = "active", limit: Limit = DEFAULT_PAGE,
                       cursor: Cursor = None):
    """The coupons that can be redeemed (or all of them), by id."""
    return (await gw.billing.json("GET", "/coupons", params={"show": show, "limit": limit, "cursor": cursor}))[1]


@table.get("/clients/{client_id}/disputes", rule=CLIENT_BILLING, response_model=Page[Dispute])
async def list_disputes(client_id: uuid.UUID, gw: GatewayDep, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None):
    """The client's disputed charges, newest first."""
    return (await gw.billing.json("GET", f"/clients/{client_id}/disputes",
                                  params={"limit": limit, "cursor": cursor}))[1]


@table.get("/clients/{client_id}/conversions", rule=CLIENT_BILLING, response_model=Conversions)
async def conversions(client_id: uuid.UUID, gw: GatewayDep):
    """The client's leads won, lost and open, what the won jobs were worth, against what it paid."""
    return (await gw.billing.json("GET", f"/clients/{client_id}/conversions"))[1]


@table.get("/operations/discrepancies", rule=OnPlatform(Permission.OPERATIONS_RUN),
           response_model=Page[Discrepancy], tags=["operations"])
async def list_discrepancies(gw: GatewayDep, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None):
    """Every drift reconciliation found between Stripe and billing, newest first."""
    return (await gw.billing.json("GET", "/discrepancies", params={"limit": limit, "cursor": cursor}))[1]
