"""The coupon_applications table: a coupon applied to a live subscription, redeemed in the same
statement that checks its limit and its last day (D2, D8), given back if Stripe refuses it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_BY_KEY = text("SELECT subscription_id, coupon_id FROM coupon_applications WHERE idempotency_key = :key")
_COUPON = text("""SELECT stripe_coupon_id, active, redeemed, max_redemptions, redeem_by FROM coupons
                  WHERE id = :coupon""")
_SUBSCRIPTION = text("SELECT client_id, status FROM subscriptions WHERE id = :id FOR SHARE")
_APPLIED = text("SELECT 1 FROM coupon_applications WHERE subscription_id = :subscription AND coupon_id = :coupon")
_REDEEM = text("""
    WITH c AS (UPDATE coupons SET redeemed = redeemed + 1
               WHERE id = :coupon AND active AND (max_redemptions IS NULL OR redeemed < max_redemptions)
                 AND (redeem_by IS NULL OR redeem_by > :now)
               RETURNING id)
    INSERT INTO coupon_applications (idempotency_key, subscription_id, coupon_id, client_id)
    SELECT :key, :subscription, id, :client FROM c RETURNING coupon_id""")
_GIVE_BACK = text("""
    WITH a AS (DELETE FROM coupon_applications WHERE idempotency_key = :key RETURNING coupon_id)
    UPDATE coupons SET redeemed = redeemed - 1 FROM a WHERE coupons.id = a.coupon_id""")


async def by_key(db: AsyncConnection, key: str):
    return (await db.execute(_BY_KEY, {"key": key})).first()


async def coupon(db: AsyncConnection, coupon_id: str):
    return (await db.execute(_COUPON, {"coupon": coupon_id})).first()


async def subscription(db: AsyncConnection, subscription_id: str):
    return (await db.execute(_SUBSCRIPTION, {"id": subscription_id})).first()


async def already_applied(db: AsyncConnection, subscription_id: str, coupon_id: str) -> bool:
    return bool(await db.scalar(_APPLIED, {"subscription": subscription_id, "coupon": coupon_id}))


async def redeem(db: AsyncConnection, key: str, subscription_id: str, coupon_id: str, client_id: str,
                 now: datetime) -> bool:
    return await db.scalar(_REDEEM, {"key": key, "subscription": subscription_id, "coupon": coupon_id,
                                     "client": client_id, "now": now}) is not None


async def give_back(db: AsyncConnection, key: str) -> None:
    await db.execute(_GIVE_BACK, {"key": key})
