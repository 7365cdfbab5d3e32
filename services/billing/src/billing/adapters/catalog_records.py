"""The plan catalogue and the coupons: what the catalogue writes and what the saga and the plan
changes read."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from billing.adapters.tables import coupons, plans

# Bound parameters, not `==`: a None must match nothing (Core would turn it into IS NULL).
_PLAN_OF_PRICE = text("SELECT id FROM plans WHERE stripe_price_id = :p")
_STRIPE_COUPON = text("SELECT stripe_coupon_id FROM coupons WHERE id = :c")


async def plan_shared(db: AsyncConnection, plan_id: str) -> Row[Any, Any] | None:
    """Whether the plan is offered and its trial days, the row locked FOR SHARE (a deactivation waits)."""
    return (await db.execute(select(plans.c.active, plans.c.trial_days).where(plans.c.id == plan_id)
                             .with_for_update(read=True))).first()


async def stripe_price(db: AsyncConnection, plan_id: str) -> str:
    """The plan's Stripe price; the plan exists (a command's plan_id is a RESTRICT foreign key)."""
    price: str = (await db.execute(select(plans.c.stripe_price_id).where(plans.c.id == plan_id))).scalar_one()
    return price


async def stripe_coupon(db: AsyncConnection, coupon_id: str | None) -> str | None:
    coupon: str | None = await db.scalar(_STRIPE_COUPON, {"c": coupon_id})
    return coupon


_PLAN_HELD = text("""
    SELECT EXISTS (SELECT 1 FROM subscriptions WHERE plan_id = :id AND status = ANY(:holding))
        OR EXISTS (SELECT 1 FROM subscription_commands WHERE plan_id = :id AND state IN ('started', 'customer_ready'))""")
_ADD_PLAN = text("""
    INSERT INTO plans (id, name, stripe_product_id, stripe_price_id, amount_cents, currency, interval, trial_days)
    VALUES (:id, :name, :product, :price, :amount, :currency, :interval, :trial)
    ON CONFLICT (id) DO NOTHING""")
_ADD_COUPON = text("""
    INSERT INTO coupons (id, stripe_coupon_id, percent_off, amount_off_cents, currency, duration,
                         duration_in_months, max_redemptions, redeem_by)
    VALUES (:id, :stripe_id, :percent, :amount, :currency, :duration, :months, :max, :redeem_by)
    ON CONFLICT (id) DO NOTHING""")


async def plan_of_price(db: AsyncConnection, price_id: str | None) -> str | None:
    plan: str | None = await db.scalar(_PLAN_OF_PRICE, {"p": price_id})
    return plan


async def plan_for_change(db: AsyncConnection, plan_id: str) -> Row[Any, Any] | None:
    """Its Stripe price and whether it is offered."""
    return (await db.execute(select(plans.c.stripe_price_id, plans.c.active).where(plans.c.id == plan_id))).first()


async def add_plan(db: AsyncConnection, *, id: str, name: str, product: str, price: str, amount_cents: int,
                   currency: str, interval: str, trial_days: int) -> None:
    """Kept as it is when a plan with this id exists."""
    await db.execute(_ADD_PLAN, {"id": id, "name": name, "product": product, "price": price, "amount": amount_cents,
                                 "currency": currency, "interval": interval, "trial": trial_days})


async def lock_plan(db: AsyncConnection, plan_id: str) -> bool:
    """FOR UPDATE; False when there is no such plan."""
    return (await db.execute(select(plans.c.id).where(plans.c.id == plan_id).with_for_update())).first() is not None


async def plan_held(db: AsyncConnection, plan_id: str, holding: list[str]) -> bool:
    """Whether a subscription in a `holding` status, or a create under way, is on the plan."""
    return bool(await db.scalar(_PLAN_HELD, {"id": plan_id, "holding": holding}))


async def deactivate_plan(db: AsyncConnection, plan_id: str) -> None:
    await db.execute(update(plans).where(plans.c.id == plan_id).values(active=False))


async def add_coupon(db: AsyncConnection, *, id: str, stripe_id: str, percent_off: Any, amount_off_cents: int | None,
                     currency: str | None, duration: str, duration_in_months: int | None,
                     max_redemptions: int | None, redeem_by: datetime | None) -> None:
    """Kept as it is when a coupon with this id exists."""
    await db.execute(_ADD_COUPON, {"id": id, "stripe_id": stripe_id, "percent": percent_off,
                                   "amount": amount_off_cents, "currency": currency, "duration": duration,
                                   "months": duration_in_months, "max": max_redemptions,
                                   "redeem_by": redeem_by})


async def deactivate_coupon(db: AsyncConnection, coupon_id: str) -> bool:
    """False when there is no such coupon."""
    return await db.scalar(update(coupons).where(coupons.c.id == coupon_id).values(active=False)
                           .returning(coupons.c.id)) is not None


async def plan(db: AsyncConnection, plan_id: str) -> dict[str, Any] | None:
    found = (await db.execute(select(plans).where(plans.c.id == plan_id))).first()
    return found._asdict() if found else None


async def coupon(db: AsyncConnection, coupon_id: str) -> dict[str, Any] | None:
    found = (await db.execute(select(coupons).where(coupons.c.id == coupon_id))).first()
    return found._asdict() if found else None
