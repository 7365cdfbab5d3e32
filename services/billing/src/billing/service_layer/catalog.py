"""Plans and coupons. Both are deactivated, never deleted (B8): subscriptions and
redemptions keep pointing at them (foreign keys RESTRICT deletes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from stripe.params import CouponCreateParams

from billing.adapters.stripe_gateway import StripeGateway
from billing.domain.subscription_state import HOLDS_PLAN
from revgen_common.clock import Clock, system_clock
from revgen_common.errors import NotFound, Refused, Unprocessable


@dataclass(frozen=True)
class NewPlan:
    id: str
    name: str
    amount_cents: int
    currency: str = "usd"
    interval: str = "month"
    trial_days: int = 0


@dataclass(frozen=True)
class NewCoupon:
    id: str
    percent_off: Decimal | None = None
    amount_off_cents: int | None = None
    currency: str | None = None
    duration: str = "once"
    duration_in_months: int | None = None  # how long a "repeating" coupon applies (required for it)
    max_redemptions: int | None = None
    redeem_by: datetime | None = None  # after it, the coupon is refused (here and at Stripe)


_PLAN_HELD = text("""
    SELECT EXISTS (SELECT 1 FROM subscriptions WHERE plan_id = :id AND status = ANY(:holding))
        OR EXISTS (SELECT 1 FROM subscription_commands WHERE plan_id = :id AND state IN ('started', 'customer_ready'))""")


class Catalog:
    def __init__(self, engine: AsyncEngine, stripe: StripeGateway, clock: Clock = system_clock):
        self.engine = engine
        self.stripe = stripe
        self.clock = clock

    async def create_plan(self, plan: NewPlan) -> dict:
        if existing := await self._row("plans", plan.id):
            return existing
        # Keys from the plan id: a retried create finds the product and price it made before.
        product = await self.stripe.call(self.stripe.v1.products.create_async(
            {"name": plan.name, "metadata": {"plan_id": plan.id}}, self.stripe.keyed(f"plan:{plan.id}:product")))
        price = await self.stripe.call(self.stripe.v1.prices.create_async({
            "product": product["id"], "unit_amount": plan.amount_cents, "currency": plan.currency,
            "recurring": {"interval": plan.interval}, "metadata": {"plan_id": plan.id}},
            self.stripe.keyed(f"plan:{plan.id}:price")))
        async with self.engine.begin() as db:
            await db.execute(text("""
                INSERT INTO plans (id, name, stripe_product_id, stripe_price_id, amount_cents, currency, interval, trial_days)
                VALUES (:id, :name, :product, :price, :amount, :currency, :interval, :trial)
                ON CONFLICT (id) DO NOTHING"""), {
                "id": plan.id, "name": plan.name, "product": product["id"], "price": price["id"],
                "amount": plan.amount_cents, "currency": plan.currency, "interval": plan.interval,
                "trial": plan.trial_days})
        return await self._saved("plans", plan.id)

    async def deactivate_plan(self, plan_id: str) -> dict:
        """B1: refused while anyone is subscribed to it (or being subscribed).

        The row lock comes first, in its own statement: it waits for a create holding the
        plan FOR SHARE to commit, and the checks after it, each with a fresh snapshot, then
        see that create's command. (Checks inside the UPDATE would use the snapshot taken
        before the wait, and miss it.)"""
        async with self.engine.begin() as db:
            if (await db.execute(text("SELECT id FROM plans WHERE id = :id FOR UPDATE"), {"id": plan_id})).first() is None:
                raise NotFound(f"no plan {plan_id!r}")
            if await db.scalar(_PLAN_HELD, {"id": plan_id, "holding": list(HOLDS_PLAN)}):
                raise Refused(f"plan {plan_id!r} has active or trialing subscriptions; move them first")
            await db.execute(text("UPDATE plans SET active = false WHERE id = :id"), {"id": plan_id})
        return await self._saved("plans", plan_id)

    async def create_coupon(self, coupon: NewCoupon) -> dict:
        if existing := await self._row("coupons", coupon.id):
            return existing
        if coupon.redeem_by is not None and coupon.redeem_by <= self.clock():
            raise Unprocessable(f"redeem_by {coupon.redeem_by.isoformat()} has passed: give a moment to come")
        # The redemption limit is kept here, not at Stripe: a compensated saga gives its
        # redemption back locally, which Stripe's own counter never would.
        params: CouponCreateParams = {"id": coupon.id, "duration": coupon.duration, "metadata": {"coupon_id": coupon.id}}
        if coupon.duration_in_months is not None:
            params["duration_in_months"] = coupon.duration_in_months
        if coupon.redeem_by is not None:
            params["redeem_by"] = int(coupon.redeem_by.timestamp())
        if coupon.percent_off is not None:
            params["percent_off"] = float(coupon.percent_off)
        elif coupon.amount_off_cents is not None:  # one of the two, the API checks
            params |= {"amount_off": coupon.amount_off_cents, "currency": coupon.currency or "usd"}
        created = await self.stripe.call(self.stripe.v1.coupons.create_async(params, self.stripe.keyed(f"coupon:{coupon.id}")))
        async with self.engine.begin() as db:
            await db.execute(text("""
                INSERT INTO coupons (id, stripe_coupon_id, percent_off, amount_off_cents, currency, duration,
                                     duration_in_months, max_redemptions, redeem_by)
                VALUES (:id, :stripe_id, :percent, :amount, :currency, :duration, :months, :max, :redeem_by)
                ON CONFLICT (id) DO NOTHING"""), {
                "id": coupon.id, "stripe_id": created["id"], "percent": coupon.percent_off,
                "amount": coupon.amount_off_cents, "currency": coupon.currency, "duration": coupon.duration,
                "months": coupon.duration_in_months, "max": coupon.max_redemptions, "redeem_by": coupon.redeem_by})
        return await self._saved("coupons", coupon.id)

    async def deactivate_coupon(self, coupon_id: str) -> dict:
        async with self.engine.begin() as db:
            if await db.scalar(text("UPDATE coupons SET active = false WHERE id = :id RETURNING id"), {"id": coupon_id}) is None:
                raise NotFound(f"no coupon {coupon_id!r}")
        return await self._saved("coupons", coupon_id)

    async def _saved(self, table: str, id: str) -> dict:
        """A row just written (plans and coupons are deactivated, never deleted)."""
        if (row := await self._row(table, id)) is None:
            raise LookupError(f"{table} {id!r} vanished after it was written")
        return row

    async def _row(self, table: str, id: str) -> dict | None:
        async with self.engine.connect() as db:
            row = (await db.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": id})).first()
        return row._asdict() if row else None
