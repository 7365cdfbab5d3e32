"""/api/v1 billing: the plan catalogue (operators), a client's subscriptions and the
retention flow (billing:manage on that client), proxied to billing with its credential.

Idempotency keys are scoped to the client: the gateway sends billing `<client>:<key>`, so
one tenant's key can never replay another tenant's answer."""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.adapters.services import Refused, reason_of
from gateway.domain.rules import OnClient, OnClientOf, OnPlatform, SignedIn
from gateway.entrypoints.admission import Caller
from gateway.entrypoints.dependencies import DEFAULT_PAGE, CallerDep, Cursor, GatewayDep, Limit
from gateway.entrypoints.route_table import RouteTable
from revgen_common.api_input import IsoDateTime
from revgen_common.contracts.permissions import Permission
from revgen_common.pagination import Page, decode_cursor, encode_cursor

table = RouteTable(prefix="/api/v1", tags=["billing"])
CatalogId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=150,
                                       description="the same key replays the same outcome")]


class NewPlan(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": "pro-monthly", "name": "Pro", "amount_cents": 9900, "currency": "usd", "interval": "month",
        "trial_days": 14}]})
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    name: str = Field(min_length=1, max_length=200)
    amount_cents: int = Field(ge=0, le=100_000_000)
    currency: str = Field(default="usd", pattern=r"^[a-z]{3}$")
    interval: Literal["month", "year"] = "month"
    trial_days: int = Field(default=0, ge=0, le=90)


class Plan(BaseModel):
    id: str
    name: str
    amount_cents: int
    currency: str
    interval: str
    trial_days: int
    active: bool


class NewCoupon(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": "SPRING25", "percent_off": 25, "duration": "repeating", "duration_in_months": 3, "max_redemptions": 100}]})
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")
    percent_off: Decimal | None = Field(default=None, gt=0, le=100)
    amount_off_cents: int | None = Field(default=None, gt=0, le=100_000_000)
    currency: str | None = Field(default=None, pattern=r"^[a-z]{3}$")
    duration: Literal["once", "forever", "repeating"] = "once"
    duration_in_months: int | None = Field(default=None, ge=1, le=120)
    max_redemptions: int | None = Field(default=None, gt=0, le=1_000_000_000)
    redeem_by: IsoDateTime | None = Field(default=None, description="its last moment (ISO 8601 with a zone)")

    @model_validator(mode="after")
    def _one_discount_and_months_when_repeating(self) -> "NewCoupon":
        if (self.percent_off is None) == (self.amount_off_cents is None):
            raise ValueError("give exactly one of percent_off and amount_off_cents")
        if (self.duration == "repeating") != (self.duration_in_months is not None):
            raise ValueError("duration_in_months is required for a repeating coupon, and only for one")
        return self


class Coupon(BaseModel):
    id: str
    percent_off: Decimal | None
    amount_off_cents: int | None
    duration: str
    max_redemptions: int | None
    redeemed: int
    redeem_by: datetime | None = None
    active: bool


class NewSubscription(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "plan_id": "pro-monthly", "email": "owner@ace.example", "phone": "+14155550100"}]})
    plan_id: str = Field(min_length=1, max_length=64)
    coupon_id: str | None = Field(default=None, min_length=1, max_length=64)
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")


class SubscriptionCommand(BaseModel):
    command_id: str
    state: str = Field(description="completed, compensated, or a step still waiting on Stripe")
    subscription_id: str | None
    subscription_status: str | None = Field(description="`incomplete` when the first payment was declined")
    error: str | None


class Subscription(BaseModel):
    id: str
    client_id: str
    plan_id: str | None
    status: str
    paused: bool
    cancel_at_period_end: bool
    unit_amount_cents: int | None
    currency: str | None
    interval: str | None
    current_period_end: datetime | None
    trial_end: datetime | None
    canceled_at: datetime | None


class PlanChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"plan_id": "pro-yearly"}]})
    plan_id: str = Field(min_length=1, max_length=64)


class Cancel(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"at_period_end": True}]})
    at_period_end: bool = True


class RetentionOffer(BaseModel):
    id: uuid.UUID
    subscription_id: str
    offer: dict[str, Any] = Field(description="what the client's own results were worth, and what we offer")


class ReconciliationReport(BaseModel):
    subscriptions_checked: int
    events_checked: int
    drifts: list[dict[str, Any]]


SUBSCRIPTION = OnClientOf(Permission.BILLING_MANAGE, "subscription_id", "subscription")
SubscriptionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_]{1,255}$", description="Stripe's id, sub_…")]


def _scoped(caller: Caller, key: str) -> dict[str, str]:
    return {"Idempotency-Key": f"{caller.client_id}:{key}"}


class Invoice(BaseModel):
    id: str
    subscription_id: str | None
    status: str
    amount_due: int
    amount_paid: int
    currency: str
    attempt_count: int
    created_at: datetime


# -- the catalogue (operators) -------------------------------------------------------------

@table.get("/plans", rule=SignedIn(), response_model=Page[Plan])
async def list_plans(gw: GatewayDep, show: Literal["active", "all"] = "active", limit: Limit = DEFAULT_PAGE,
                     cursor: Cursor = None):
    """The plans on offer (or all of them, retired ones too), by id."""
    return (await gw.billing.json("GET", "/plans", params={"show": show, "limit": limit, "cursor": cursor}))[1]


@table.post("/plans", rule=OnPlatform(Permission.CATALOG_MANAGE), status_code=201, response_model=Plan)
async def create_plan(body: NewPlan, gw: GatewayDep):
    """Offer a plan (its Stripe product and price are made with it)."""
    return (await gw.billing.json("POST", "/plans", json=body.model_dump(mode="json")))[1]


@table.post("/plans/{plan_id}/deactivate", rule=OnPlatform(Permission.CATALOG_MANAGE), response_model=Plan)
async def deactivate_plan(plan_id: CatalogId, gw: GatewayDep):
    """Stop offering a plan; 409 while anyone is subscribed to it."""
    return (await gw.billing.json("POST", f"/plans/{plan_id}/deactivate"))[1]


@table.post("/coupons", rule=OnPlatform(Permission.CATALOG_MANAGE), status_code=201, response_model=Coupon)
async def create_coupon(body: NewCoupon, gw: GatewayDep):
    """Create a coupon, with a redemption limit if you like."""
    return (await gw.billing.json("POST", "/coupons", json=body.model_dump(mode="json")))[1]


@table.post("/coupons/{coupon_id}/deactivate", rule=OnPlatform(Permission.CATALOG_MANAGE), response_model=Coupon)
async def deactivate_coupon(coupon_id: CatalogId, gw: GatewayDep):
    """Stop a coupon being redeemed; its history stays."""
    return (await gw.billing.json("POST", f"/coupons/{coupon_id}/deactivate"))[1]


# -- a client's subscriptions ---------------------------------------------------------------

@table.post("/clients/{client_id}/subscriptions", rule=OnClient(Permission.BILLING_MANAGE), status_code=201,
            response_model=SubscriptionCommand,
            responses={202: {"model": SubscriptionCommand, "description": "a step is waiting on Stripe: ask again"},
                       409: {"model": SubscriptionCommand, "description": "refused, or undone"}})
async def subscribe(client_id: uuid.UUID, body: NewSubscription, key: IdempotencyKey, gw: GatewayDep,
                    caller: CallerDep):
    """Subscribe the client to a plan."""
    response = await gw.billing.call("POST", "/subscriptions", json={"client_id": str(client_id), **body.model_dump()},
                                     headers=_scoped(caller, key))
    reason, answer = reason_of(response)
    if response.status_code in (201, 202) or (response.status_code == 409 and "command_id" in answer):
        outcome = SubscriptionCommand.model_validate(answer)
        return JSONResponse(outcome.model_dump(mode="json"), status_code=response.status_code)
    raise Refused(response.status_code, reason, answer)


@table.get("/clients/{client_id}/subscriptions", rule=OnClient(Permission.BILLING_MANAGE),
           response_model=Page[Subscription])
async def list_subscriptions(client_id: uuid.UUID, gw: GatewayDep, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None):
    """The client's subscriptions, oldest id first."""
    after = decode_cursor(cursor, 1)[0] if cursor else None
    page = (await gw.billing.json("GET", "/subscriptions", params={
        "client_id": str(client_id), "limit": limit, "starting_after": after}))[1]
    return {"data": page["data"], "next": encode_cursor(page["next"]) if page.get("next") else None}


@table.get("/subscriptions/{subscription_id}", rule=SUBSCRIPTION, response_model=Subscription)
async def get_subscription(subscription_id: SubscriptionId, gw: GatewayDep):
    """One subscription."""
    return (await gw.billing.json("GET", f"/subscriptions/{subscription_id}"))[1]


@table.post("/subscriptions/{subscription_id}/change-plan", rule=SUBSCRIPTION, response_model=Subscription)
async def change_plan(subscription_id: SubscriptionId, body: PlanChange, key: IdempotencyKey, gw: GatewayDep, caller: CallerDep):
    """Move to another plan, prorated."""
    return (await gw.billing.json("POST", f"/subscriptions/{subscription_id}/change-plan", json=body.model_dump(),
                                  headers=_scoped(caller, key)))[1]


@table.post("/subscriptions/{subscription_id}/pause", rule=SUBSCRIPTION, response_model=Subscription)
async def pause(subscription_id: SubscriptionId, key: IdempotencyKey, gw: GatewayDep, caller: CallerDep):
    """Pause collection."""
    return (await gw.billing.json("POST", f"/subscriptions/{subscription_id}/pause", headers=_scoped(caller, key)))[1]


@table.post("/subscriptions/{subscription_id}/resume", rule=SUBSCRIPTION, response_model=Subscription)
async def resume(subscription_id: SubscriptionId, key: IdempotencyKey, gw: GatewayDep, caller: CallerDep):
    """Resume collection."""
    return (await gw.billing.json("POST", f"/subscriptions/{subscription_id}/resume", headers=_scoped(caller, key)))[1]


@table.post("/subscriptions/{subscription_id}/cancel", rule=SUBSCRIPTION, response_model=Subscription)
async def cancel(subscription_id: SubscriptionId, body: Cancel, key: IdempotencyKey, gw: GatewayDep, caller: CallerDep):
    """Cancel, at the end of the period by default."""
    return (await gw.billing.json("POST", f"/subscriptions/{subscription_id}/cancel", json=body.model_dump(),
                                  headers=_scoped(caller, key)))[1]


@table.get("/clients/{client_id}/invoices", rule=OnClient(Permission.BILLING_MANAGE), response_model=Page[Invoice])
async def list_invoices(client_id: uuid.UUID, gw: GatewayDep, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None):
    """The client's invoices, newest first."""
    return (await gw.billing.json("GET", f"/clients/{client_id}/invoices",
                                  params={"limit": limit, "cursor": cursor}))[1]


@table.post("/clients/{client_id}/cancellation", rule=OnClient(Permission.BILLING_MANAGE), status_code=201,
            response_model=RetentionOffer)
async def start_cancellation(client_id: uuid.UUID, gw: GatewayDep):
    """Start cancelling: the answer is a retention offer built from the client's own results."""
    return (await gw.billing.json("POST", f"/clients/{client_id}/cancellation"))[1]


@table.post("/cancellations/{request_id}/confirm",
            rule=OnClientOf(Permission.BILLING_MANAGE, "request_id", "cancellation"), response_model=Subscription)
async def confirm_cancellation(request_id: uuid.UUID, gw: GatewayDep):
    """The client declined the offer: Stripe cancels at the end of the period."""
    return (await gw.billing.json("POST", f"/cancellations/{request_id}/confirm"))[1]


# -- operations ------------------------------------------------------------------------------

@table.post("/operations/reconciliation", rule=OnPlatform(Permission.OPERATIONS_RUN),
            response_model=ReconciliationReport, tags=["operations"])
async def reconcile(gw: GatewayDep):
    """Compare every subscription and recent Stripe event with Stripe now (it also runs hourly)."""
    return (await gw.billing.json("POST", "/reconciliation"))[1]
