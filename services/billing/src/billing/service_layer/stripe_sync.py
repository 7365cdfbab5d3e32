"""Bring local state to Stripe's current state, inside the caller's transaction, and
publish what changed. The saga, the subscription changes, the webhook handlers and
reconciliation all go through here, so there is one definition of "what Stripe says" and
one of "what changed". (Webhooks read Stripe before their transaction: stripe_reads.)

Outcomes come from comparing the stored row with Stripe's object, so two transactions
doing that for the same object at once would both see the same "before" (a row that does
not exist yet cannot be locked with FOR UPDATE) and both publish. `lock_object` serializes
them per object id; `refresh` takes that lock and only then reads Stripe, so the read that
is stored last is also the newest one.
"""
from __future__ import annotations

from typing import Any

from billing.adapters import billing_accounts, catalog_records, subscriptions
from billing.adapters.stripe_gateway import StripeGateway
from billing.domain.subscription_state import Stored, SubscriptionState, outcomes
from billing.service_layer.stripe_reads import StripeReads
from revgen_common.contracts import contract_for
from revgen_common.contracts.billing import SubscriptionOutcome
from revgen_common.unit_of_work import Transaction


class UnknownClient(Exception):
    """A Stripe object whose customer belongs to no client we know (reconciliation reports it)."""


async def client_of(uow: Transaction, customer_id: str, metadata: dict[str, Any] | None = None) -> str:
    client_id = (metadata or {}).get("client_id") or await billing_accounts.client_of_customer(
        uow.connection, customer_id)
    if not client_id:
        raise UnknownClient(f"customer {customer_id} belongs to no client")
    return client_id


async def is_deleted(uow: Transaction, client_id: str) -> bool:
    return await billing_accounts.is_deleted(uow.connection, client_id)


async def refresh(uow: Transaction, stripe: StripeGateway, subscription_id: str,
                  command_id: str | None = None, reads: StripeReads | None = None) -> dict[str, Any] | None:
    """Store the subscription as Stripe has it NOW (None if Stripe does not know it).

    Used after every mutation and for every webhook and reconciliation: a mutation's answer
    may be a replayed (old) response, and an event or a listed page an old snapshot; a read
    taken under the lock is never older than what the previous holder stored. A deleted
    client's subscription is canceled rather than stored live (D7, B3). `reads`: a webhook's
    read made before its transaction, used if still the newest (stripe_reads)."""
    current = await (reads or StripeReads(stripe)).locked(uow, "subscription", subscription_id)
    if current is None:
        return None
    client_id = await client_of(uow, current["customer"], current.get("metadata"))
    if current["status"] != "canceled" and await is_deleted(uow, client_id):
        # No idempotency key: canceling is idempotent at Stripe, and a key would replay an
        # earlier cancel's answer if something made the subscription live again.
        current = await stripe.call(stripe.v1.subscriptions.cancel_async(current["id"]))
    await sync_subscription(uow, current, command_id=command_id)
    return current


async def stored(uow: Transaction, subscription_id: str) -> Stored | None:
    row = await subscriptions.stored_for_update(uow.connection, subscription_id)
    return Stored(row.status, row.paused, row.cancel_at_period_end, row.plan_id) if row else None


async def as_stored(uow: Transaction, state: SubscriptionState) -> Stored:
    """Stripe's subscription in the terms we store and compare."""
    plan_id = await catalog_records.plan_of_price(uow.connection, state.price_id)
    return Stored(state.status, state.paused, state.cancel_at_period_end, plan_id)


async def sync_subscription(uow: Transaction, obj: dict[str, Any], command_id: str | None = None) -> list[str]:
    """Store Stripe's subscription; returns the outcome events published. Called by `refresh`,
    which holds the subscription's lock (and bumped its version) for the read it passes."""
    state = SubscriptionState.from_stripe(obj)
    db = uow.connection
    client_id = await client_of(uow, state.customer, state.metadata)
    await billing_accounts.add_if_new(db, client_id, state.customer)
    before = await stored(uow, state.id)
    if before is not None and before.status == "canceled" and state.status != "canceled":
        return []  # canceled is final at Stripe; an older snapshot never resurrects it
    after = await as_stored(uow, state)
    await subscriptions.upsert(db, {
        "id": state.id, "client_id": client_id, "plan_id": after.plan_id,
        "command_id": command_id or state.metadata.get("command_id"),
        "status": state.status, "paused": state.paused, "cancel_at_period_end": state.cancel_at_period_end,
        "unit_amount_cents": state.unit_amount_cents, "currency": state.currency, "interval": state.interval,
        "current_period_end": state.current_period_end, "trial_end": state.trial_end,
        "canceled_at": state.canceled_at})
    found = outcomes(before, after)
    for name in found:
        uow.publish(contract_for(name, SubscriptionOutcome)(
            client_id=client_id, subscription_id=state.id, plan_id=after.plan_id, status=state.status,
            paused=state.paused, cancel_at_period_end=state.cancel_at_period_end,
            previous_plan_id=before.plan_id if before else None))
    return found
