"""Create-subscription, as a saga that cannot half-happen (D1, E1).

1. The command, its idempotency key and its coupon redemption commit locally first.
2. The Stripe customer (reused if the client has one), idempotency key `<command>:customer`.
3. The Stripe subscription, key `<command>:subscription`, then the local commit.
A retry after a lost response replays the same key and gets the original object back. A
crash leaves the command open with a lease; when the lease runs out, recovery resumes it
from its recorded step. A step refused for good compensates: the Stripe subscription is
canceled, its paid first invoice refunded (`<command>:refund`), a customer made for this
command deleted, the coupon redemption given back.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from stripe.params import CustomerCreateParams, SubscriptionCreateParams

from billing import SERVICE
from billing.adapters.stripe_gateway import StripeGateway
from billing.service_layer.stripe_sync import refresh
from revgen_common.checkpoints import Checkpoint, no_checkpoint
from revgen_common.clock import Clock, system_clock
from revgen_common.errors import NotFound, PermanentError, Refused, Unprocessable
from revgen_common.unit_of_work import UnitOfWork

OPEN_STATES = ("started", "customer_ready", "compensating")
# Stripe keeps idempotency keys at least 24 h; past this age a step looks before it creates.
KEY_HORIZON = timedelta(hours=23)


@dataclass(frozen=True)
class CreateSubscription:
    command_id: str
    client_id: str
    plan_id: str
    coupon_id: str | None = None
    email: str | None = None
    phone: str | None = None

    def params_hash(self) -> str:
        fields = {k: v for k, v in asdict(self).items() if k != "command_id"}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class SagaResult:
    command_id: str
    state: str
    subscription_id: str | None
    error: str | None
    subscription_status: str | None = None  # e.g. "incomplete": created, but its first payment failed


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


class SubscribeSaga:
    def __init__(self, engine: AsyncEngine, stripe: StripeGateway, lease: timedelta = timedelta(seconds=60),
                 checkpoint: Checkpoint = no_checkpoint, clock: Clock = system_clock):
        self.engine = engine
        self.clock = clock
        self.stripe = stripe
        self.lease = lease
        self.checkpoint = checkpoint

    async def create(self, command: CreateSubscription) -> SagaResult:
        await self.start(command)
        return await self.run(command.command_id)

    # -- step 1: the command, locally ------------------------------------------------------

    async def start(self, command: CreateSubscription) -> None:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            if await self._known(db, command):
                return  # the same command again: carry on from wherever it is
            plan = (await db.execute(text("SELECT active, trial_days FROM plans WHERE id = :p FOR SHARE"),
                                     {"p": command.plan_id})).first()
            if plan is None:
                raise NotFound(f"no plan {command.plan_id!r}")
            if not plan.active:
                raise Refused(f"plan {command.plan_id!r} is no longer offered")  # D7
            deleted = await db.scalar(text("""
                INSERT INTO billing_accounts (client_id, email, phone) VALUES (:c, :e, :p)
                ON CONFLICT (client_id) DO UPDATE SET email = COALESCE(EXCLUDED.email, billing_accounts.email),
                                                      phone = COALESCE(EXCLUDED.phone, billing_accounts.phone)
                RETURNING deleted_at IS NOT NULL"""), {"c": command.client_id, "e": command.email, "p": command.phone})
            if deleted:
                raise Refused("the client was deleted")
            if await db.scalar(_LIVE_SUBSCRIPTION, {"client": command.client_id}):
                raise Refused("the client already has a subscription; change its plan instead")
            trial_days = 0 if await db.scalar(_EVER_SUBSCRIBED, {"client": command.client_id}) else plan.trial_days
            try:
                async with db.begin_nested():
                    inserted = await db.scalar(text("""
                        INSERT INTO subscription_commands (id, client_id, plan_id, coupon_id, trial_days, params_hash,
                                                           state, lease_until)
                        VALUES (:id, :client, :plan, :coupon, :trial, :hash, 'started', NULL)
                        ON CONFLICT (id) DO NOTHING RETURNING id"""), {
                        "id": command.command_id, "client": command.client_id, "plan": command.plan_id,
                        "coupon": command.coupon_id, "trial": trial_days, "hash": command.params_hash()})
            except IntegrityError as error:
                if "one_open_command_per_client" in str(error.orig):
                    raise Refused("a subscription is already being created for this client") from None
                if "coupon_id" in str(error.orig):
                    raise NotFound(f"no coupon {command.coupon_id!r}") from None
                raise
            if inserted is None:  # a request with the same key committed it meanwhile: this is a replay
                await self._known(db, command)
                return
            if command.coupon_id and await db.scalar(_REDEEM, {"coupon": command.coupon_id, "command": command.command_id,
                                                               "client": command.client_id, "now": self.clock()}) is None:
                raise Refused(f"coupon {command.coupon_id!r} is inactive, expired or fully redeemed")
            await uow.commit()
        self.checkpoint("command_persisted")

    @staticmethod
    async def _known(db: AsyncConnection, command: CreateSubscription) -> bool:
        """Whether this idempotency key already has its command; refused if that command had other parameters."""
        existing = await db.scalar(text("SELECT params_hash FROM subscription_commands WHERE id = :id"),
                                   {"id": command.command_id})
        if existing is not None and existing != command.params_hash():
            raise Unprocessable("this idempotency key was used with other parameters")
        return existing is not None

    # -- steps 2 and 3, resumable ----------------------------------------------------------

    async def run(self, command_id: str) -> SagaResult:
        async with self.engine.begin() as db:
            leased = await db.scalar(_TAKE_LEASE, {"id": command_id, "lease": self.lease.total_seconds()})
        if leased is not None:
            try:
                await self._advance(command_id)
            except PermanentError as error:
                await self._compensate(command_id, str(error))
            except Exception:
                await self._release(command_id)  # recovery tries again once the lease is free
                raise
        return await self.result(command_id)

    async def recover(self, limit: int = 20) -> int:
        """Resume (or finish compensating) every command whose process stopped mid-way."""
        async with self.engine.connect() as db:
            ids = (await db.execute(_EXPIRED_LEASES, {"limit": limit})).scalars().all()
        for command_id in ids:
            try:
                await self.run(command_id)
            except Exception:
                continue  # left open; the next round retries it
        return len(ids)

    async def result(self, command_id: str) -> SagaResult:
        row = await self._load(command_id)
        return SagaResult(row["id"], row["state"], row["stripe_subscription_id"], row["error"], row["subscription_status"])

    async def _load(self, command_id: str) -> dict[str, Any]:
        async with self.engine.connect() as db:
            row = (await db.execute(_COMMAND, {"id": command_id, "horizon": KEY_HORIZON.total_seconds()})).first()
        if row is None:
            raise NotFound(f"no subscription command {command_id!r}")
        return row._asdict()

    async def _advance(self, command_id: str) -> None:
        command = await self._load(command_id)
        if command["state"] == "started":
            await self._ensure_customer(command)
            self.checkpoint("customer_created")
            command = await self._load(command_id)
        if command["state"] == "compensating":  # e.g. ClientDeleted told it to, meanwhile
            await self._compensate(command_id, command["error"] or "compensating")
            return
        subscription = await self._ensure_subscription(command)
        async with self.engine.begin() as db:  # compensation must know what to cancel
            await db.execute(text("UPDATE subscription_commands SET stripe_subscription_id = :s WHERE id = :id"),
                             {"s": subscription["id"], "id": command_id})
        self.checkpoint("subscription_created")
        await self._commit(command, subscription["id"])
        self.checkpoint("committed")

    async def _ensure_customer(self, command: dict[str, Any]) -> None:
        async with self.engine.connect() as db:
            account = (await db.execute(text("""SELECT stripe_customer_id, email, phone FROM billing_accounts
                                                WHERE client_id = :c"""),
                                        {"c": command["client_id"]})).one()  # written when the command started
        customer_id, created = account.stripe_customer_id, False
        if customer_id is None and command["beyond_key_horizon"]:
            found = await self.stripe.search_one(self.stripe.v1.customers, "client_id", command["client_id"])
            customer_id = found["id"] if found else None
        if customer_id is None:
            params: CustomerCreateParams = {"metadata": {"client_id": command["client_id"], "command_id": command["id"]}}
            if account.email:
                params["email"] = account.email
            if account.phone:
                params["phone"] = account.phone
            customer = await self.stripe.call(self.stripe.v1.customers.create_async(
                params, self.stripe.keyed(f"{command['id']}:customer")))
            customer_id, created = customer["id"], True
        async with self.engine.begin() as db:
            await db.execute(text("""UPDATE billing_accounts SET stripe_customer_id = :cus
                                     WHERE client_id = :c AND stripe_customer_id IS NULL"""),
                             {"cus": customer_id, "c": command["client_id"]})
            # Recorded even if ClientDeleted turned the command to compensating meanwhile:
            # compensation must know the customer it has to delete.
            await db.execute(text("""UPDATE subscription_commands SET stripe_customer_id = :cus, customer_created = :created,
                                            state = CASE state WHEN 'started' THEN 'customer_ready' ELSE state END
                                     WHERE id = :id AND state IN ('started', 'compensating')"""),
                             {"cus": customer_id, "created": created, "id": command["id"]})

    async def _ensure_subscription(self, command: dict[str, Any]) -> dict[str, Any]:
        if command["beyond_key_horizon"]:
            found = await self.stripe.search_one(self.stripe.v1.subscriptions, "command_id", command["id"])
            if found:
                return found
        async with self.engine.connect() as db:
            price = await db.scalar(text("SELECT stripe_price_id FROM plans WHERE id = :p"), {"p": command["plan_id"]})
            coupon = await db.scalar(text("SELECT stripe_coupon_id FROM coupons WHERE id = :c"), {"c": command["coupon_id"]})
        params: SubscriptionCreateParams = {
            "customer": command["stripe_customer_id"], "items": [{"price": price, "quantity": 1}],
            "metadata": {"client_id": command["client_id"], "command_id": command["id"], "plan_id": command["plan_id"]}}
        if command["trial_days"]:
            params["trial_period_days"] = command["trial_days"]
        if coupon:
            params["discounts"] = [{"coupon": coupon}]
        return await self.stripe.call(self.stripe.v1.subscriptions.create_async(
            params, self.stripe.keyed(f"{command['id']}:subscription")))

    async def _commit(self, command: dict[str, Any], subscription_id: str) -> None:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            # FOR SHARE: ClientDeleted locks this row to mark it, so it either waits for this
            # commit (and then cancels the subscription it finds) or we see the deletion here.
            account = (await uow.connection.execute(
                text("SELECT deleted_at FROM billing_accounts WHERE client_id = :c FOR SHARE"),
                {"c": command["client_id"]})).one()  # written when the command started
            if account.deleted_at is not None:
                raise PermanentError("the client was deleted while subscribing")
            # Stripe's current subscription, not the create response: that may be a replay
            # older than what a webhook already stored.
            if await refresh(uow, self.stripe, subscription_id, command_id=command["id"]) is None:
                raise PermanentError(f"stripe no longer has subscription {subscription_id}")
            await uow.connection.execute(text("""UPDATE subscription_commands SET state = 'completed', lease_until = NULL
                                                 WHERE id = :id"""), {"id": command["id"]})
            await uow.commit()

    # -- compensation ------------------------------------------------------------------------

    async def _compensate(self, command_id: str, reason: str) -> None:
        async with self.engine.begin() as db:
            await db.execute(text("""UPDATE subscription_commands SET state = 'compensating', error = :e
                                     WHERE id = :id AND state IN ('started', 'customer_ready')"""),
                             {"id": command_id, "e": reason})
        command = await self._load(command_id)
        if command["state"] != "compensating":
            return
        if command["stripe_subscription_id"]:
            await self._undo_subscription(command_id, command["stripe_subscription_id"])
        if command["customer_created"]:
            await self.stripe.find(self.stripe.v1.customers.delete_async(command["stripe_customer_id"]))
        async with self.engine.begin() as db:
            if command["customer_created"]:
                await db.execute(text("""UPDATE billing_accounts SET stripe_customer_id = NULL
                                         WHERE client_id = :c AND stripe_customer_id = :cus"""),
                                 {"c": command["client_id"], "cus": command["stripe_customer_id"]})
            await db.execute(_GIVE_BACK, {"command": command_id})
            await db.execute(text("""UPDATE subscription_commands SET state = 'compensated', lease_until = NULL
                                     WHERE id = :id AND state = 'compensating'"""), {"id": command_id})

    async def _undo_subscription(self, command_id: str, subscription_id: str) -> None:
        """Cancel before anything else (deleting the customer would cancel it too, but
        silently), then give back what its first invoice charged: no money is kept for a
        subscription we have no record of (D1)."""
        subscription = await self.stripe.retrieve_subscription(subscription_id)
        if subscription is None:
            return
        if subscription["status"] != "canceled":
            await self.stripe.call(self.stripe.v1.subscriptions.cancel_async(
                subscription_id, None, self.stripe.keyed(f"{command_id}:compensate")))
        charge = await self._charge_that_paid(subscription.get("latest_invoice"))
        # Checked first, so a resume past Stripe's key retention cannot refund twice.
        if charge is not None and charge["amount_refunded"] < charge["amount"]:
            await self.stripe.call(self.stripe.v1.refunds.create_async(
                {"charge": charge["id"]}, self.stripe.keyed(f"{command_id}:refund")))

    async def _charge_that_paid(self, invoice_id: str | None) -> dict[str, Any] | None:
        """A paid invoice → its payment (a PaymentIntent) → that intent's successful charge."""
        invoice = invoice_id and await self.stripe.find(self.stripe.v1.invoices.retrieve_async(invoice_id))
        if not invoice or invoice["status"] != "paid" or not invoice.get("amount_paid"):
            return None
        async for payment in self.stripe.each(self.stripe.v1.invoice_payments, {"invoice": invoice_id}):
            intent = (payment.get("payment") or {}).get("payment_intent")
            if payment.get("status") != "paid" or not intent:
                continue
            async for charge in self.stripe.each(self.stripe.v1.charges, {"payment_intent": intent}):
                if charge.get("status") == "succeeded":
                    return charge
        return None

    async def _release(self, command_id: str) -> None:
        async with self.engine.begin() as db:
            await db.execute(text("UPDATE subscription_commands SET lease_until = NULL WHERE id = :id"), {"id": command_id})
