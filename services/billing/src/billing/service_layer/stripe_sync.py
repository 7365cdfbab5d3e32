"""Bring local state to Stripe's current state, inside the caller's transaction, and
publish what changed. The saga, the webhook handlers and reconciliation all go through
here, so there is one definition of "what Stripe says" and one of "what changed"."""
from __future__ import annotations

from typing import Any

from sqlalchemy import text

from billing.domain.subscription_state import Stored, SubscriptionState, outcomes
from revgen_common.envelope import Envelope
from revgen_common.topics import BILLING_EVENTS
from revgen_common.unit_of_work import UnitOfWork

_CLIENT_OF_CUSTOMER = text("SELECT client_id FROM billing_accounts WHERE stripe_customer_id = :c")
_STORED = text("""SELECT status, paused, cancel_at_period_end, plan_id FROM subscriptions WHERE id = :id FOR UPDATE""")
_UPSERT = text("""
    INSERT INTO subscriptions (id, client_id, plan_id, command_id, status, paused, cancel_at_period_end,
                               unit_amount_cents, currency, interval, current_period_end, trial_end, canceled_at)
    VALUES (:id, :client_id, :plan_id, (SELECT id FROM subscription_commands WHERE id = :command_id), :status, :paused, :cancel_at_period_end,
            :unit_amount_cents, :currency, :interval, :current_period_end, :trial_end, :canceled_at)
    ON CONFLICT (id) DO UPDATE SET plan_id = EXCLUDED.plan_id, status = EXCLUDED.status,
        paused = EXCLUDED.paused, cancel_at_period_end = EXCLUDED.cancel_at_period_end,
        unit_amount_cents = EXCLUDED.unit_amount_cents, currency = EXCLUDED.currency,
        interval = EXCLUDED.interval, current_period_end = EXCLUDED.current_period_end,
        trial_end = EXCLUDED.trial_end, canceled_at = EXCLUDED.canceled_at,
        command_id = COALESCE(subscriptions.command_id, EXCLUDED.command_id)""")


class UnknownClient(Exception):
    """A Stripe object whose customer belongs to no client we know (reconciliation reports it)."""


async def client_of(uow: UnitOfWork, customer_id: str, metadata: dict[str, Any] | None = None) -> str:
    client_id = (metadata or {}).get("client_id") or await uow.connection.scalar(
        _CLIENT_OF_CUSTOMER, {"c": customer_id})
    if not client_id:
        raise UnknownClient(customer_id)
    return client_id


async def is_deleted(uow: UnitOfWork, client_id: str) -> bool:
    return bool(await uow.connection.scalar(
        text("SELECT deleted_at IS NOT NULL FROM billing_accounts WHERE client_id = :c"), {"c": client_id}))


async def sync_subscription(uow: UnitOfWork, obj: dict[str, Any], command_id: str | None = None) -> list[str]:
    """Store Stripe's subscription; returns the outcome events published."""
    state = SubscriptionState.from_stripe(obj)
    db = uow.connection
    client_id = await client_of(uow, state.customer, state.metadata)
    await db.execute(text("""INSERT INTO billing_accounts (client_id, stripe_customer_id) VALUES (:c, :cus)
                             ON CONFLICT (client_id) DO NOTHING"""), {"c": client_id, "cus": state.customer})
    row = (await db.execute(_STORED, {"id": state.id})).first()
    before = Stored(row.status, row.paused, row.cancel_at_period_end, row.plan_id) if row else None
    if before is not None and before.status == "canceled" and state.status != "canceled":
        return []  # canceled is final at Stripe; an older snapshot never resurrects it
    plan_id = await db.scalar(text("SELECT id FROM plans WHERE stripe_price_id = :p"), {"p": state.price_id})
    after = Stored(state.status, state.paused, state.cancel_at_period_end, plan_id)
    await db.execute(_UPSERT, {
        "id": state.id, "client_id": client_id, "plan_id": plan_id, "command_id": command_id or state.metadata.get("command_id"),
        "status": state.status, "paused": state.paused, "cancel_at_period_end": state.cancel_at_period_end,
        "unit_amount_cents": state.unit_amount_cents, "currency": state.currency, "interval": state.interval,
        "current_period_end": state.current_period_end, "trial_end": state.trial_end,
        "canceled_at": state.canceled_at})
    found = outcomes(before, after)
    for name in found:
        publish(uow, name, client_id, {
            "client_id": client_id, "subscription_id": state.id, "plan_id": plan_id, "status": state.status,
            "paused": state.paused, "cancel_at_period_end": state.cancel_at_period_end,
            "previous_plan_id": before.plan_id if before else None})
    return found


def publish(uow: UnitOfWork, type: str, client_id: str | None, payload: dict[str, Any], key: str | None = None) -> None:
    uow.publish(BILLING_EVENTS, Envelope(type=type, producer="billing", key=key or client_id or "billing",
                                         client_id=client_id, payload=payload))
