"""The shapes of billing's answers, as its OpenAPI document shows them. Rows are given whole
(`SELECT *` for subscriptions): a column added to a table must be added here too, or the
answer fails (OutputModel) rather than drop it. The paged account views (invoices, coupons,
disputes, discrepancies) come from queries that write their rows as JSON themselves, so
their moments are text and a coupon's `percent_off` a number (MomentText)."""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from billing.domain.retention import RetentionOffer
from revgen_common.api_output import MomentText, OutputModel


class PlanListed(OutputModel):
    id: str
    name: str
    amount_cents: int
    currency: str
    interval: str
    trial_days: int
    active: bool


class Plan(OutputModel):
    id: str
    name: str
    stripe_product_id: str
    stripe_price_id: str
    amount_cents: int
    currency: str
    interval: str
    trial_days: int
    active: bool
    created_at: datetime
    updated_at: datetime


class Coupon(OutputModel):
    id: str
    stripe_coupon_id: str
    percent_off: Decimal | None
    amount_off_cents: int | None
    currency: str | None
    duration: str
    max_redemptions: int | None
    redeemed: int
    active: bool
    created_at: datetime
    updated_at: datetime
    duration_in_months: int | None
    redeem_by: datetime | None = Field(description="after it, the coupon is refused")


class CouponListed(OutputModel):
    id: str
    percent_off: float | None
    amount_off_cents: int | None
    currency: str | None
    duration: str
    duration_in_months: int | None
    max_redemptions: int | None
    redeemed: int
    redeem_by: MomentText | None
    active: bool
    created_at: MomentText


class Subscription(OutputModel):
    id: str
    client_id: str
    plan_id: str | None
    command_id: str | None = Field(description="the Idempotency-Key of the create that made it")
    status: str = Field(description="Stripe's: trialing, active, past_due, incomplete, paused, canceled …")
    paused: bool
    cancel_at_period_end: bool
    unit_amount_cents: int | None
    currency: str | None
    interval: str | None
    current_period_end: datetime | None
    trial_end: datetime | None
    canceled_at: datetime | None
    created_at: datetime
    updated_at: datetime


class Subscriptions(OutputModel):
    data: list[Subscription]
    has_more: bool
    next: str | None = Field(description="pass as ?starting_after= for the next page; null on the last")


class SubscriptionCommand(OutputModel):
    command_id: str
    state: str = Field(description="started, customer_ready, completed, compensating, compensated")
    subscription_id: str | None
    subscription_status: str | None = Field(description="incomplete when the first payment failed")
    error: str | None


class CancellationStarted(OutputModel):
    id: uuid.UUID
    subscription_id: str
    offer: RetentionOffer = Field(description="what the client's own results were worth (B6)")


class Cancellation(OutputModel):
    id: uuid.UUID
    client_id: str
    subscription_id: str
    status: str
    offer: RetentionOffer = Field(description="the offer made when the cancellation started")


class Drift(OutputModel):
    kind: str
    object_id: str
    detail: str


class ReconciliationReport(OutputModel):
    subscriptions_checked: int
    events_checked: int
    drifts: list[Drift]


class Invoice(OutputModel):
    id: str
    subscription_id: str | None
    status: str
    amount_due: int
    amount_paid: int
    currency: str
    attempt_count: int
    created_at: MomentText


class Dispute(OutputModel):
    id: str
    charge_id: str
    amount: int = Field(description="cents")
    currency: str
    status: str = Field(description="Stripe's: needs_response, under_review, won, lost …")
    reason: str | None
    created_at: MomentText
    updated_at: MomentText


class AgencyDispute(OutputModel):
    id: str
    client_id: str
    charge_id: str
    amount: int = Field(description="cents")
    currency: str
    status: str
    reason: str | None
    created_at: MomentText
    updated_at: MomentText


class Discrepancy(OutputModel):
    id: int
    kind: str
    object_id: str
    detail: str
    repaired: bool
    found_at: MomentText


class Conversions(OutputModel):
    open: int
    won: int
    lost: int
    won_with_value: int
    won_value_cents: int
    paid_cents: int
    win_rate: float | None
    return_on_spend: float | None
