"""The create-subscription saga's commands (service_layer/subscribe.py): each row is the
saga's memory — its step, its lease, what it made at Stripe — and its coupon redemption."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_COMMAND = text("""SELECT id, client_id, plan_id, coupon_id, trial_days, params_hash, state, stripe_customer_id,
                          customer_created, stripe_subscription_id, error,
                          created_at < now() - make_interval(secs => :horizon) AS beyond_key_horizon,
                          (SELECT status FROM subscriptions s WHERE s.id = stripe_subscription_id) AS subscription_status
                   FROM subscription_commands WHERE id = :id""")
_TAKE_LEASE = text("""UPDATE subscription_commands SET lease_until = now() + make_interval(secs => :lease),
                                                       attempts = attempts + 1
                      WHERE id = :id AND state IN ('started', 'customer_ready', 'compensating')
                        AND (lease_until IS NULL OR lease_until < now())
                      RETURNING id""")
# Fewest attempts first: commands that keep failing go to the back instead of taking every round.
_EXPIRED_LEASES = text("""SELECT id FROM subscription_commands
                          WHERE state IN ('started', 'customer_ready', 'compensating')
                            AND (lease_until IS NULL OR lease_until < now())
                          ORDER BY attempts, created_at LIMIT :limit""")
# B4: a trial only for a client that never had a subscription (one a compensated command
# left canceled at Stripe does not count).
_EVER_SUBSCRIBED = text("""
    SELECT EXISTS (SELECT 1 FROM subscriptions s LEFT JOIN subscription_commands c ON c.id = s.command_id
                   WHERE s.client_id = :client AND (c.state IS NULL OR c.state = 'completed'))""")
# `incomplete` counts: its first payment failed but the client can still pay it.
_LIVE_SUBSCRIPTION = text("""SELECT 1 FROM subscriptions WHERE client_id = :client
                             AND status IN ('trialing', 'active', 'past_due', 'paused', 'unpaid', 'incomplete')""")
# D2/D8: the limit check, the counter and the redemption row are one statement.
_REDEEM = text("""
    WITH c AS (UPDATE coupons SET redeemed = redeemed + 1
               WHERE id = :coupon AND active AND (max_redemptions IS NULL OR redeemed < max_redemptions)
                 AND (redeem_by IS NULL OR redeem_by > :now)
               RETURNING id)
    INSERT INTO coupon_redemptions (command_id, coupon_id, client_id) SELECT :command, id, :client FROM c
    RETURNING coupon_id""")
_GIVE_BACK = text("""
    WITH r AS (DELETE FROM coupon_redemptions WHERE command_id = :command RETURNING coupon_id)
    UPDATE coupons SET redeemed = redeemed - 1 FROM r WHERE coupons.id = r.coupon_id""")
_ADD = text("""
    INSERT INTO subscription_commands (id, client_id, plan_id, coupon_id, trial_days, params_hash,
                                       state, lease_until)
    VALUES (:id, :client, :plan, :coupon, :trial, :hash, 'started', NULL)
    ON CONFLICT (id) DO NOTHING RETURNING id""")
_PARAMS_HASH = text("SELECT params_hash FROM subscription_commands WHERE id = :id")
_SET_SUBSCRIPTION = text("UPDATE subscription_commands SET stripe_subscription_id = :s WHERE id = :id")
# Recorded even if ClientDeleted turned the command to compensating meanwhile:
# compensation must know the customer it has to delete.
_SET_CUSTOMER = text("""UPDATE subscription_commands SET stripe_customer_id = :cus, customer_created = :created,
                               state = CASE state WHEN 'started' THEN 'customer_ready' ELSE state END
                        WHERE id = :id AND state IN ('started', 'compensating')""")
_COMPLETE = text("""UPDATE subscription_commands SET state = 'completed', lease_until = NULL
                    WHERE id = :id""")
_START_COMPENSATING = text("""UPDATE subscription_commands SET state = 'compensating', error = :e
                              WHERE id = :id AND state IN ('started', 'customer_ready')""")
_COMPENSATED = text("""UPDATE subscription_commands SET state = 'compensated', lease_until = NULL
                       WHERE id = :id AND state = 'compensating'""")
_RELEASE = text("UPDATE subscription_commands SET lease_until = NULL WHERE id = :id")


async def load(db: AsyncConnection, command_id: str, key_horizon_seconds: float) -> Row[Any] | None:
    """The command, whether it is older than Stripe keeps keys, and its subscription's status."""
    return (await db.execute(_COMMAND, {"id": command_id, "horizon": key_horizon_seconds})).first()


async def params_hash(db: AsyncConnection, command_id: str) -> str | None:
    found: str | None = await db.scalar(_PARAMS_HASH, {"id": command_id})
    return found


async def add(db: AsyncConnection, *, command_id: str, client_id: str, plan_id: str, coupon_id: str | None,
              trial_days: int, params_hash: str) -> str | None:
    """Its id; None when a command with this id exists already."""
    inserted: str | None = await db.scalar(_ADD, {
        "id": command_id, "client": client_id, "plan": plan_id, "coupon": coupon_id, "trial": trial_days,
        "hash": params_hash})
    return inserted


async def take_lease(db: AsyncConnection, command_id: str, lease_seconds: float) -> str | None:
    """The id when this caller now holds the open command's lease; None when it is finished or leased."""
    leased: str | None = await db.scalar(_TAKE_LEASE, {"id": command_id, "lease": lease_seconds})
    return leased


async def release(db: AsyncConnection, command_id: str) -> None:
    await db.execute(_RELEASE, {"id": command_id})


async def with_expired_leases(db: AsyncConnection, limit: int) -> list[str]:
    return list((await db.execute(_EXPIRED_LEASES, {"limit": limit})).scalars().all())


async def ever_subscribed(db: AsyncConnection, client_id: str) -> bool:
    return bool(await db.scalar(_EVER_SUBSCRIBED, {"client": client_id}))


async def has_live_subscription(db: AsyncConnection, client_id: str) -> bool:
    return bool(await db.scalar(_LIVE_SUBSCRIPTION, {"client": client_id}))


async def redeem_coupon(db: AsyncConnection, coupon_id: str, command_id: str, client_id: str,
                        now: datetime) -> str | None:
    """The coupon's id when redeemed for the command; None when inactive, past its redeem_by or
    fully redeemed."""
    redeemed: str | None = await db.scalar(_REDEEM, {"coupon": coupon_id, "command": command_id,
                                                     "client": client_id, "now": now})
    return redeemed


async def give_back_coupon(db: AsyncConnection, command_id: str) -> None:
    await db.execute(_GIVE_BACK, {"command": command_id})


async def set_customer(db: AsyncConnection, command_id: str, customer_id: str, created: bool) -> None:
    await db.execute(_SET_CUSTOMER, {"cus": customer_id, "created": created, "id": command_id})


async def set_subscription(db: AsyncConnection, command_id: str, subscription_id: str) -> None:
    await db.execute(_SET_SUBSCRIPTION, {"s": subscription_id, "id": command_id})


async def complete(db: AsyncConnection, command_id: str) -> None:
    await db.execute(_COMPLETE, {"id": command_id})


async def start_compensating(db: AsyncConnection, command_id: str, reason: str) -> None:
    await db.execute(_START_COMPENSATING, {"id": command_id, "e": reason})


async def compensated(db: AsyncConnection, command_id: str) -> None:
    await db.execute(_COMPENSATED, {"id": command_id})


_COMPENSATE_CLIENTS = text("""UPDATE subscription_commands SET state = 'compensating', error = 'the client was deleted'
                              WHERE client_id = :c AND state IN ('started', 'customer_ready')""")


async def compensate_open_of(db: AsyncConnection, client_id: str) -> None:
    """The client's creates that have not reached Stripe's subscription turn to compensating."""
    await db.execute(_COMPENSATE_CLIENTS, {"c": client_id})
