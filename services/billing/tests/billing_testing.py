"""Helpers for billing tests (on the test path)."""
from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from billing import SERVICE
from billing.service_layer.catalog import NewCoupon, NewPlan
from billing.service_layer.subscribe import CreateSubscription, SagaResult
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.envelope import Envelope, event_id_from
from revgen_common.errors import TransientError
from revgen_common.unit_of_work import UnitOfWork

STRIPE_KEY = "sk_test_revgen_billing_tests"


@dataclass
class StripeFake:
    state: Any  # revgen_fakes.stripe.StripeState
    faults: Any  # revgen_fakes.faults.FaultInjector
    url: str


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def plan(billing, trial_days: int = 0, amount_cents: int = 4900) -> str:
    plan_id = unique("plan")
    await billing.catalog.create_plan(NewPlan(id=plan_id, name=f"Plan {plan_id}", amount_cents=amount_cents,
                                              trial_days=trial_days))
    return plan_id


async def coupon(billing, max_redemptions: int | None = None) -> str:
    coupon_id = unique("COUPON")
    await billing.catalog.create_coupon(NewCoupon(id=coupon_id, percent_off=20, max_redemptions=max_redemptions))
    return coupon_id


def command(plan_id: str, client_id: str | None = None, **extra) -> CreateSubscription:
    return CreateSubscription(command_id=str(uuid.uuid4()), client_id=client_id or unique("client"), plan_id=plan_id,
                              **extra)


async def subscribe_until_done(billing, cmd: CreateSubscription, attempts: int = 20) -> SagaResult:
    """What a caller does with the command API: retry the same command until it is settled."""
    for _ in range(attempts):
        try:
            await billing.saga.start(cmd)
            result = await billing.saga.run(cmd.command_id)
        except TransientError:
            continue
        if result.state in ("completed", "compensated"):
            return result
    raise AssertionError(f"command {cmd.command_id} not settled after {attempts} attempts")


def stripe_event_message(event: dict) -> Envelope:
    """What ingress publishes for a verified Stripe webhook."""
    return Envelope(event_id=event_id_from("stripe", event["id"]), type="StripeEventReceived", producer="ingress",
                    key=event["data"]["object"].get("customer") or event["data"]["object"]["id"],
                    payload={"provider_id": event["id"], "received_at": "2026-11-28T12:00:00Z", "raw": event,
                             "stripe_type": event["type"]})


async def apply_event(billing, event: dict) -> bool:
    async with UnitOfWork(billing.engine, SERVICE, billing.clock) as uow:  # as the consumer does
        applied = await billing.stripe_events.apply(uow, event, source="webhook")
        await uow.commit()
    return applied


async def outbox(engine, topic: str, type: str | None = None) -> list[dict]:
    async with engine.connect() as db:
        rows = await db.execute(text("SELECT value FROM outbox WHERE topic = :t ORDER BY id"), {"t": topic})
        messages = [json.loads(r.value) for r in rows]
    return [m for m in messages if type is None or m["type"] == type]


async def scalar(engine, sql: str, **params):
    async with engine.connect() as db:
        return await db.scalar(text(sql), params)


class Webhooks:
    """Collects the events the fake delivers and applies them when told, as ingress and the
    consumer would; events the fake drops never arrive here."""

    def __init__(self, state):
        self.pending: list[dict] = []
        state.subscribe(self.pending.append)

    async def deliver(self, billing) -> int:
        delivered = 0
        while self.pending:
            await apply_event(billing, self.pending.pop(0))
            delivered += 1
        return delivered


async def delete_client(billing, client_id: str) -> None:
    """What identity's ClientDeleted does to billing."""
    async with UnitOfWork(billing.engine, SERVICE) as uow:
        await billing.client_events.client_deleted(Delivered.of(
            Envelope(type="ClientDeleted", producer="identity", key=client_id,
                     payload={"client_id": client_id, "deleted_by": "agency-owner"})), HandlerContext(uow))
        await uow.commit()


class HeldStripeReads:
    """From now on, every read of a subscription at Stripe waits until `release()`: while a
    transaction waits there, it holds the locks it took before reading, and a test can run
    something against it (or let a second transaction read too, before either stores)."""

    def __init__(self, gateway):
        self.waiting = asyncio.Event()
        self._released = asyncio.Event()
        read = gateway.retrieve_subscription

        async def held(subscription_id: str):
            self.waiting.set()
            await self._released.wait()
            return await read(subscription_id)

        gateway.retrieve_subscription = held

    def release(self) -> None:
        self._released.set()


def unrefunded_charges(stripe_fake, customer_id: str) -> list[dict]:
    return [c for c in stripe_fake.state.charges.values()
            if c["customer"] == customer_id and c["amount_refunded"] < c["amount"]]


def customers_of(stripe_fake, client_id: str) -> list[dict]:
    """The client's customers at the fake that still exist (a deleted one stays as a tombstone)."""
    return [c for c in stripe_fake.state.customers.values()
            if not c.get("deleted") and c["metadata"].get("client_id") == client_id]
