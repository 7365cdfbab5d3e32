"""Billing's command API (the admin gateway fronts it) and health.

The calls that act on a subscription at Stripe (create, change-plan, pause, resume,
cancel) need an `Idempotency-Key` header: the same key replays the same outcome, and the
Stripe calls they make carry keys derived from it (E1). The others are idempotent by
themselves: plans and coupons are keyed by their own ids, a confirmation by its request's
id, and deactivating twice is deactivating once."""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal, cast

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from billing.adapters import account_queries
from billing.adapters.stripe_gateway import StripeRefused
from billing.entrypoints.answers import (
    Cancellation,
    CancellationStarted,
    Coupon,
    Plan,
    ReconciliationReport,
    Subscription,
    SubscriptionCommand,
    Subscriptions,
)
from billing.service_layer.catalog import NewCoupon, NewPlan
from billing.service_layer.subscribe import CreateSubscription
from revgen_common.api_errors import INPUT_ERRORS, documented, error_response, install_error_handling
from revgen_common.api_input import Flag, InputModel, Int32, IsoDateTime, Line, Number
from revgen_common.errors import PermanentError, TransientError
from revgen_common.pagination import InvalidCursor

router = APIRouter(responses=INPUT_ERRORS)
IdempotencyKey = Annotated[str, Line(200, min_length=8), Header(alias="Idempotency-Key")]
Limit = Annotated[int, Query(ge=1, le=100)]  # S4: pages, never everything
PlanId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")]
CouponId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")]
ClientId = Annotated[str, Line(100)]
SubscriptionId = Annotated[str, Line(255)]
Currency = Annotated[str, Field(pattern=r"^[a-z]{3}$")]
# Stripe's largest unit amount (8 digits): refused here, before any Stripe call, not after.
Cents = Annotated[Int32, Field(gt=0, le=99_999_999)]
AT_STRIPE = documented(402, 503)


if TYPE_CHECKING:  # bootstrap imports this module, so at run time it cannot be imported back
    from billing.bootstrap import Billing as _Services
else:
    _Services = object


async def services(request: Request) -> _Services:  # async: a plain def would run in a thread
    return request.app.state.billing


Billing = Annotated[_Services, Depends(services)]


class PlanIn(InputModel):
    id: PlanId
    name: Annotated[str, Line(200)]
    amount_cents: Annotated[Int32, Field(ge=0, le=99_999_999)]
    currency: Currency = "usd"
    interval: Literal["month", "year"] = "month"
    trial_days: Annotated[Int32, Field(ge=0, le=90)] = 0


class CouponIn(InputModel):
    id: CouponId
    percent_off: Annotated[Decimal, Number, Field(gt=0, le=100, max_digits=5, decimal_places=2)] | None = None
    amount_off_cents: Cents | None = None
    currency: Currency | None = None
    duration: Literal["once", "forever", "repeating"] = "once"
    duration_in_months: Annotated[Int32, Field(ge=1, le=120)] | None = None
    max_redemptions: Annotated[Int32, Field(gt=0)] | None = None
    redeem_by: IsoDateTime | None = None  # its last moment: redeemable before it, never after

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


class SubscriptionIn(InputModel):
    client_id: ClientId
    plan_id: PlanId
    coupon_id: CouponId | None = None
    email: Annotated[str, Line(320)] | None = None
    phone: Annotated[str, Field(pattern=r"^\+[1-9]\d{6,14}$")] | None = None


class PlanChangeIn(InputModel):
    plan_id: PlanId


class CouponApplicationIn(InputModel):
    coupon_id: CouponId


class CancelIn(InputModel):
    at_period_end: Flag = True


@router.post("/plans", status_code=201, response_model=Plan, responses=AT_STRIPE)
async def create_plan(body: PlanIn, billing: Billing):
    """Create a plan (its Stripe product and price)."""
    return await billing.catalog.create_plan(NewPlan(**body.model_dump()))


@router.post("/plans/{plan_id}/deactivate", response_model=Plan, responses=documented(404, 409, 503))
async def deactivate_plan(plan_id: PlanId, billing: Billing):
    """Stop offering a plan; 409 while anyone is subscribed to it."""
    return await billing.catalog.deactivate_plan(plan_id)


@router.post("/coupons", status_code=201, response_model=Coupon, responses=AT_STRIPE)
async def create_coupon(body: CouponIn, billing: Billing):
    """Create a coupon, optionally with a redemption limit."""
    return await billing.catalog.create_coupon(NewCoupon(**body.model_dump()))


@router.post("/coupons/{coupon_id}/deactivate", response_model=Coupon, responses=documented(404, 402, 503))
async def deactivate_coupon(coupon_id: CouponId, billing: Billing):
    """Stop a coupon being redeemed; its history stays."""
    return await billing.catalog.deactivate_coupon(coupon_id)


@router.post("/subscriptions", status_code=201, response_model=SubscriptionCommand, responses={
    202: {"model": SubscriptionCommand, "description": "a step waits on Stripe; the same key asks again"},
    **documented(402, 404, 409, 503)})
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


@router.get("/subscriptions", response_model=Subscriptions, responses=documented(503))
async def list_subscriptions(billing: Billing, limit: Limit = 50,
                             starting_after: Annotated[SubscriptionId | None, Query()] = None,
                             client_id: Annotated[ClientId | None, Query()] = None):
    """Subscriptions by id, a page at a time (default 50, at most 100)."""
    return await account_queries.subscriptions(billing.engine, starting_after, client_id, limit)


ON_A_SUBSCRIPTION = documented(402, 404, 409, 503)


@router.get("/subscriptions/{subscription_id}", response_model=Subscription, responses=documented(404))
async def get_subscription(subscription_id: SubscriptionId, billing: Billing) -> JSONResponse:
    """One subscription (the gateway reads whose it is before it lets anyone act on it)."""
    return _found(await account_queries.subscription(billing.engine, subscription_id), subscription_id, "subscription")


@router.get("/cancellations/{request_id}", response_model=Cancellation, responses=documented(404))
async def get_cancellation(request_id: uuid.UUID, billing: Billing) -> JSONResponse:
    """One cancellation request and its offer."""
    return _found(await account_queries.cancellation(billing.engine, request_id), request_id, "cancellation request")


def _found(row: dict | None, id: object, what: str) -> JSONResponse:
    if row is None:
        return error_response(404, f"no {what} {str(id)!r}")
    return JSONResponse(jsonable_encoder(row))


@router.post("/subscriptions/{subscription_id}/change-plan", response_model=Subscription, responses=ON_A_SUBSCRIPTION)
async def change_plan(subscription_id: SubscriptionId, body: PlanChangeIn, key: IdempotencyKey, billing: Billing):
    return await billing.changes.change_plan(subscription_id, body.plan_id, key)


@router.post("/subscriptions/{subscription_id}/coupon", response_model=Subscription,
             responses={**ON_A_SUBSCRIPTION, **documented(422)})
async def apply_coupon(subscription_id: SubscriptionId, body: CouponApplicationIn, key: IdempotencyKey,
                       billing: Billing):
    """Apply a coupon to a live subscription (replacing its discount at Stripe), once per key;
    refused (409) when the coupon is inactive, expired, fully redeemed or already applied."""
    return await billing.changes.apply_coupon(subscription_id, body.coupon_id, key)


@router.post("/subscriptions/{subscription_id}/pause", response_model=Subscription, responses=ON_A_SUBSCRIPTION)
async def pause(subscription_id: SubscriptionId, key: IdempotencyKey, billing: Billing):
    return await billing.changes.pause(subscription_id, key)


@router.post("/subscriptions/{subscription_id}/resume", response_model=Subscription, responses=ON_A_SUBSCRIPTION)
async def resume(subscription_id: SubscriptionId, key: IdempotencyKey, billing: Billing):
    return await billing.changes.resume(subscription_id, key)


@router.post("/subscriptions/{subscription_id}/cancel", response_model=Subscription, responses=ON_A_SUBSCRIPTION)
async def cancel(subscription_id: SubscriptionId, body: CancelIn, key: IdempotencyKey, billing: Billing):
    return await billing.changes.cancel(subscription_id, body.at_period_end, key)


@router.post("/clients/{client_id}/cancellation", status_code=201, response_model=CancellationStarted,
             responses=documented(404, 409, 503))
async def start_cancellation(client_id: ClientId, billing: Billing):
    """Start the retention flow: the offer is built from the client's own results (B6)."""
    return await billing.changes.start_cancellation(client_id)


@router.post("/cancellations/{request_id}/confirm", response_model=Subscription, responses=ON_A_SUBSCRIPTION)
async def confirm_cancellation(request_id: uuid.UUID, billing: Billing):
    """The client confirmed: Stripe cancels at the end of the period (B5)."""
    return await billing.changes.confirm_cancellation(request_id)


@router.post("/reconciliation", response_model=ReconciliationReport, responses=documented(503))
async def reconcile(billing: Billing):
    """Run a reconciliation now (it also runs on a schedule)."""
    report = await billing.reconciliation.run()
    return {"subscriptions_checked": report.subscriptions_checked, "events_checked": report.events_checked,
            "drifts": [{"kind": k, "object_id": o, "detail": d} for k, o, d in report.drifts]}




def install_error_handlers(app: FastAPI) -> None:
    install_error_handling(app, {
        StripeRefused: 402,
        InvalidCursor: lambda e: error_response(400, "invalid request", [("query.cursor", str(e))]),
        PermanentError: 409,  # e.g. an object Stripe no longer has: nothing a retry would change
        TransientError: _unavailable,
    })


def _unavailable(e: Exception) -> JSONResponse:
    retry_after = cast(TransientError, e).retry_after  # the table above sends only TransientError here
    return error_response(503, str(e), headers={"Retry-After": str(int(retry_after or 5))})
