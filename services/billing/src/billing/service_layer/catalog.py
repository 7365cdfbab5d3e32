"""Plans and coupons. Both are deactivated, never deleted (B8): subscriptions and
redemptions keep pointing at them (foreign keys RESTRICT deletes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine
from stripe.params import CouponCreateParams

from billing.adapters import catalog_records
from billing.adapters.stripe_gateway import StripeGateway
from billing.domain.subscription_state import HOLDS_PLAN
from revgen_common.clock import Clock
from revgen_common.errors import NotFound, Refused, Unprocessable
from revgen_common.unit_of_work import UnitOfWork


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


class Catalog:
    def __init__(self, engine: AsyncEngine, stripe: StripeGateway, clock: Clock):
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
        async with UnitOfWork(self.engine) as uow:
            await catalog_records.add_plan(uow.connection, id=plan.id, name=plan.name, product=product["id"],
                                           price=price["id"], amount_cents=plan.amount_cents, currency=plan.currency,
                                           interval=plan.interval, trial_days=plan.trial_days)
            await uow.commit()
        return await self._saved("plans", plan.id)

    async def deactivate_plan(self, plan_id: str) -> dict:
        """B1: refused while anyone is subscribed to it (or being subscribed).

        The row lock comes first, in its own statement: it waits for a create holding the
        plan FOR SHARE to commit, and the checks after it, each with a fresh snapshot, then
        see that create's command. (Checks inside the UPDATE would use the snapshot taken
        before the wait, and miss it.)"""
        async with UnitOfWork(self.engine) as uow:
            db = uow.connection
            if not await catalog_records.lock_plan(db, plan_id):
                raise NotFound(f"no plan {plan_id!r}")
            if await catalog_records.plan_held(db, plan_id, list(HOLDS_PLAN)):
                raise Refused(f"plan {plan_id!r} has active or trialing subscriptions; move them first")
            await catalog_records.deactivate_plan(db, plan_id)
            await uow.commit()
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
        async with UnitOfWork(self.engine) as uow:
            await catalog_records.add_coupon(
                uow.connection, id=coupon.id, stripe_id=created["id"], percent_off=coupon.percent_off,
                amount_off_cents=coupon.amount_off_cents, currency=coupon.currency, duration=coupon.duration,
                duration_in_months=coupon.duration_in_months, max_redemptions=coupon.max_redemptions,
                redeem_by=coupon.redeem_by)
            await uow.commit()
        return await self._saved("coupons", coupon.id)

    async def deactivate_coupon(self, coupon_id: str) -> dict:
        async with UnitOfWork(self.engine) as uow:
            if not await catalog_records.deactivate_coupon(uow.connection, coupon_id):
                raise NotFound(f"no coupon {coupon_id!r}")
            await uow.commit()
        return await self._saved("coupons", coupon_id)

    async def _saved(self, table: str, id: str) -> dict:
        """A row just written (plans and coupons are deactivated, never deleted)."""
        if (row := await self._row(table, id)) is None:
            raise LookupError(f"{table} {id!r} vanished after it was written")
        return row

    async def _row(self, table: str, id: str) -> dict | None:
        async with self.engine.connect() as db:
            return await (catalog_records.plan if table == "plans" else catalog_records.coupon)(db, id)
