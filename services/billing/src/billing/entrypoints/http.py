"""Billing's command API (the admin gateway fronts it) and health.

The calls that act on a subscription at Stripe (create, change-plan, pause, resume,
cancel) need an `Idempotency-Key` header: the same key replays the same outcome, and the
Stripe calls they make carry keys derived from it (E1). The others are idempotent by
themselves: plans and coupons are keyed by their own ids, a confirmation by its request's
id, and deactivating twice is deactivating once."""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import text

from billing.adapters.stripe_gateway import StripeRefused
from billing.service_layer.catalog import NewCoupon, NewPlan
from billing.service_layer.subscribe import CreateSubscription, Refused
from revgen_common.errors import TransientError

router = APIRouter()
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]  # S4: pages, never everything


def services(request: Request):
    return request.app.state.billing


Billing = Annotated[object, Depends(services)]


class PlanIn(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    name: str = Field(min_length=1, max_length=200)
    amount_cents: int = Field(ge=0)
    currency: str = Field(default="usd", pattern=r"^[a-z]{3}$")
    interval: Literal["month", "year"] = "month"
    trial_days: int = Field(default=0, ge=0, le=90)


class CouponIn(BaseModel):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")
    percent_off: Decimal | None = Field(default=None, gt=0, le=100)
    amount_off_cents: int | None = Field(default=None, gt=0)
    currency: str | None = Field(default=None, pattern=r"^[a-z]{3}$")
    duration: Literal["once", "forever", "repeating"] = "once"
    duration_in_months: int | None = Field(default=None, ge=1, le=120)
    max_redemptions: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_discount(self) -> "CouponIn":
        if (self.percent_off is None) == (self.amount_off_cents is None):
            raise ValueError("give exactly one of percent_off and amount_off_cents")
        return self

    @model_validator(mode="after")
    def _months_when_repeating(self) -> "CouponIn":
        # Stripe refuses a repeating coupon without them; we refuse first, before calling it.
        if (self.duration == "repeating") != (self.duration_in_months is not None):
            raise ValueError("duration_in_months is required for a repeating coupon, and only for one")
        return self


class SubscriptionIn(BaseModel):
    client_id: str = Field(min_length=1, max_length=100)
    plan_id: str
    coupon_id: str | None = None
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")


class PlanChangeIn(BaseModel):
    plan_id: str


class CancelIn(BaseModel):
    at_period_end: bool = True


@router.post("/plans", status_code=201)
async def create_plan(body: PlanIn, billing: Billing) -> dict:
    """Create a plan (its Stripe product and price)."""
    return await billing.catalog.create_plan(NewPlan(**body.model_dump()))


@router.post("/plans/{plan_id}/deactivate")
async def deactivate_plan(plan_id: str, billing: Billing) -> dict:
    """Stop offering a plan; 409 while anyone is subscribed to it."""
    return await billing.catalog.deactivate_plan(plan_id)


@router.post("/coupons", status_code=201)
async def create_coupon(body: CouponIn, billing: Billing) -> dict:
    """Create a coupon, optionally with a redemption limit."""
    return await billing.catalog.create_coupon(NewCoupon(**body.model_dump()))


@router.post("/coupons/{coupon_id}/deactivate")
async def deactivate_coupon(coupon_id: str, billing: Billing) -> dict:
    """Stop a coupon being redeemed; its history stays."""
    return await billing.catalog.deactivate_coupon(coupon_id)


@router.post("/subscriptions")
async def create_subscription(body: SubscriptionIn, key: IdempotencyKey, billing: Billing) -> JSONResponse:
    """Subscribe a client: 201 when done (`subscription_status` says whether the first payment
    went through: `incomplete` if not), 202 while a step waits on Stripe, 409 when refused."""
    command = CreateSubscription(command_id=key, **body.model_dump())
    await billing.saga.start(command)
    try:
        result = await billing.saga.run(key)
    except TransientError:
        result = await billing.saga.result(key)
    status = {"completed": 201, "compensated": 409}.get(result.state, 202)
    return JSONResponse({"command_id": result.command_id, "state": result.state,
                         "subscription_id": result.subscription_id, "subscription_status": result.subscription_status,
                         "error": result.error}, status_code=status)


@router.get("/subscriptions")
async def list_subscriptions(billing: Billing, limit: Limit = 50, starting_after: str | None = None,
                             client_id: str | None = None) -> dict:
    """Subscriptions by id, a page at a time (default 50, at most 100)."""
    async with billing.engine.connect() as db:
        rows = (await db.execute(text("""
            SELECT * FROM subscriptions WHERE (CAST(:after AS text) IS NULL OR id > :after)
              AND (CAST(:client AS text) IS NULL OR client_id = :client)
            ORDER BY id LIMIT :limit"""), {"after": starting_after, "client": client_id, "limit": limit + 1})).all()
    page = [r._asdict() for r in rows[:limit]]
    return {"data": page, "has_more": len(rows) > limit, "next": page[-1]["id"] if len(rows) > limit else None}


@router.get("/subscriptions/{subscription_id}")
async def get_subscription(subscription_id: str, billing: Billing) -> JSONResponse:
    """One subscription (the gateway reads whose it is before it lets anyone act on it)."""
    return await _one(billing, "SELECT * FROM subscriptions WHERE id = :id", subscription_id, "subscription")


@router.get("/cancellations/{request_id}")
async def get_cancellation(request_id: uuid.UUID, billing: Billing) -> JSONResponse:
    """One cancellation request and its offer."""
    return await _one(billing, "SELECT id, client_id, subscription_id, status, offer FROM cancellation_requests "
                               "WHERE id = :id", request_id, "cancellation request")


async def _one(billing, query: str, id, what: str) -> JSONResponse:
    async with billing.engine.connect() as db:
        row = (await db.execute(text(query), {"id": id})).first()
    if row is None:
        return JSONResponse({"error": f"no {what} {str(id)!r}"}, status_code=404)
    return JSONResponse(jsonable_encoder(row._asdict()))


@router.post("/subscriptions/{subscription_id}/change-plan")
async def change_plan(subscription_id: str, body: PlanChangeIn, key: IdempotencyKey, billing: Billing) -> dict:
    return await billing.changes.change_plan(subscription_id, body.plan_id, key)


@router.post("/subscriptions/{subscription_id}/pause")
async def pause(subscription_id: str, key: IdempotencyKey, billing: Billing) -> dict:
    return await billing.changes.pause(subscription_id, key)


@router.post("/subscriptions/{subscription_id}/resume")
async def resume(subscription_id: str, key: IdempotencyKey, billing: Billing) -> dict:
    return await billing.changes.resume(subscription_id, key)


@router.post("/subscriptions/{subscription_id}/cancel")
async def cancel(subscription_id: str, body: CancelIn, key: IdempotencyKey, billing: Billing) -> dict:
    return await billing.changes.cancel(subscription_id, body.at_period_end, key)


@router.post("/clients/{client_id}/cancellation", status_code=201)
async def start_cancellation(client_id: str, billing: Billing) -> dict:
    """Start the retention flow: the offer is built from the client's own results (B6)."""
    return await billing.changes.start_cancellation(client_id)


@router.post("/cancellations/{request_id}/confirm")
async def confirm_cancellation(request_id: uuid.UUID, billing: Billing) -> dict:
    """The client confirmed: Stripe cancels at the end of the period (B5)."""
    return await billing.changes.confirm_cancellation(request_id)


@router.post("/reconciliation")
async def reconcile(billing: Billing) -> dict:
    """Run a reconciliation now (it also runs on a schedule)."""
    report = await billing.reconciliation.run()
    return {"subscriptions_checked": report.subscriptions_checked, "events_checked": report.events_checked,
            "drifts": [{"kind": k, "object_id": o, "detail": d} for k, o, d in report.drifts]}


@router.get("/healthz")
async def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(billing: Billing) -> JSONResponse:
    """The database answers."""
    try:
        async with billing.engine.connect() as db:
            await db.execute(text("SELECT 1"))
    except Exception as error:
        return JSONResponse({"status": "unavailable", "database": str(error)}, status_code=503)
    return JSONResponse({"status": "ready"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Refused, lambda r, e: JSONResponse({"error": str(e)}, status_code=e.status))
    app.add_exception_handler(StripeRefused, lambda r, e: JSONResponse({"error": str(e)}, status_code=402))
    app.add_exception_handler(TransientError, lambda r, e: JSONResponse(
        {"error": str(e)}, status_code=503, headers={"Retry-After": str(int(e.retry_after or 5))}))
