"""Subscriptions as Stripe last had them (stripe_sync stores them; nothing else writes them)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_STORED = text("""SELECT status, paused, cancel_at_period_end, plan_id FROM subscriptions WHERE id = :id FOR UPDATE""")
_UPSERT = text("""
    INSERT INTO subscriptions (id, client_id, plan_id, command_id, status, paused, cancel_at_period_end,
                               unit_amount_cents, currency, interval, current_period_end, trial_end, canceled_at)
    VALUES (:id, :client_id, :plan_id, (SELECT id FROM subscription_commands WHERE id = :command_id), :status, :paused,
            :cancel_at_period_end,
            :unit_amount_cents, :currency, :interval, :current_period_end, :trial_end, :canceled_at)
    ON CONFLICT (id) DO UPDATE SET plan_id = EXCLUDED.plan_id, status = EXCLUDED.status,
        paused = EXCLUDED.paused, cancel_at_period_end = EXCLUDED.cancel_at_period_end,
        unit_amount_cents = EXCLUDED.unit_amount_cents, currency = EXCLUDED.currency,
        interval = EXCLUDED.interval, current_period_end = EXCLUDED.current_period_end,
        trial_end = EXCLUDED.trial_end, canceled_at = EXCLUDED.canceled_at,
        command_id = COALESCE(subscriptions.command_id, EXCLUDED.command_id)""")
_EXISTS = text("SELECT 1 FROM subscriptions WHERE id = :s")
_LIVE_OF_CLIENT = text("SELECT id FROM subscriptions WHERE client_id = :c AND status <> 'canceled'")
_CLIENT_OF = text("SELECT client_id FROM subscriptions WHERE id = :id")
_UNCANCELED = text("SELECT id, client_id, status FROM subscriptions WHERE status <> 'canceled'")
_CANCELLABLE_OF_CLIENT = text("""
    SELECT id, unit_amount_cents, interval FROM subscriptions WHERE client_id = :c
      AND status IN ('trialing', 'active', 'past_due', 'paused', 'unpaid')
    ORDER BY created_at DESC LIMIT 1""")
_STATUS = text("SELECT status FROM subscriptions WHERE id = :id")
_ROW = text("SELECT * FROM subscriptions WHERE id = :id")


async def stored_for_update(db: AsyncConnection, subscription_id: str) -> Row[Any] | None:
    return (await db.execute(_STORED, {"id": subscription_id})).first()


async def upsert(db: AsyncConnection, fields: Mapping[str, Any]) -> None:
    """Stored as given; `command_id` kept only if that command exists, and never replaced."""
    await db.execute(_UPSERT, dict(fields))


async def exists(db: AsyncConnection, subscription_id: str) -> bool:
    return bool(await db.scalar(_EXISTS, {"s": subscription_id}))


async def live_of_client(db: AsyncConnection, client_id: str) -> list[str]:
    return list((await db.execute(_LIVE_OF_CLIENT, {"c": client_id})).scalars().all())


async def client_of(db: AsyncConnection, subscription_id: str) -> str | None:
    client: str | None = await db.scalar(_CLIENT_OF, {"id": subscription_id})
    return client


async def uncanceled(db: AsyncConnection) -> list[Row[Any]]:
    return list((await db.execute(_UNCANCELED)).all())


async def cancellable_of_client(db: AsyncConnection, client_id: str) -> Row[Any] | None:
    """The client's newest subscription that can still be canceled."""
    return (await db.execute(_CANCELLABLE_OF_CLIENT, {"c": client_id})).first()


async def status(db: AsyncConnection, subscription_id: str) -> Row[Any] | None:
    return (await db.execute(_STATUS, {"id": subscription_id})).first()


async def row(db: AsyncConnection, subscription_id: str) -> Row[Any]:
    """A subscription just refreshed from Stripe (so stored)."""
    return (await db.execute(_ROW, {"id": subscription_id})).one()
