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

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from stripe.params import CustomerCreateParams, SubscriptionCreateParams

from billing import SERVICE
from billing.adapters import billing_accounts, catalog_records
from billing.adapters import subscription_commands as commands
from billing.adapters.stripe_gateway import StripeGateway
from billing.service_layer.stripe_sync import refresh
from revgen_common.checkpoints import Checkpoint, no_checkpoint
from revgen_common.clock import Clock
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


class SubscribeSaga:
    def __init__(self, engine: AsyncEngine, stripe: StripeGateway, lease: timedelta = timedelta(seconds=60),
                 checkpoint: Checkpoint = no_checkpoint, *, clock: Clock):
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
            plan = await catalog_records.plan_shared(db, command.plan_id)
            if plan is None:
                raise NotFound(f"no plan {command.plan_id!r}")
            if not plan.active:
                raise Refused(f"plan {command.plan_id!r} is no longer offered")  # D7
            if await billing_accounts.open_account(db, command.client_id, command.email, command.phone):
                raise Refused("the client was deleted")
            if await commands.has_live_subscription(db, command.client_id):
                raise Refused("the client already has a subscription; change its plan instead")
            trial_days = 0 if await commands.ever_subscribed(db, command.client_id) else plan.trial_days
            try:
                async with uow.savepoint():
                    inserted = await commands.add(
                        db, command_id=command.command_id, client_id=command.client_id, plan_id=command.plan_id,
                        coupon_id=command.coupon_id, trial_days=trial_days, params_hash=command.params_hash())
            except IntegrityError as error:
                if "one_open_command_per_client" in str(error.orig):
                    raise Refused("a subscription is already being created for this client") from None
                if "coupon_id" in str(error.orig):
                    raise NotFound(f"no coupon {command.coupon_id!r}") from None
                raise
            if inserted is None:  # a request with the same key committed it meanwhile: this is a replay
                await self._known(db, command)
                return
            if command.coupon_id and await commands.redeem_coupon(db, command.coupon_id, command.command_id,
                                                                  command.client_id, self.clock()) is None:
                raise Refused(f"coupon {command.coupon_id!r} is inactive, expired or fully redeemed")
            await uow.commit()
        self.checkpoint("command_persisted")

    @staticmethod
    async def _known(db: AsyncConnection, command: CreateSubscription) -> bool:
        """Whether this idempotency key already has its command; refused if that command had other parameters."""
        existing = await commands.params_hash(db, command.command_id)
        if existing is not None and existing != command.params_hash():
            raise Unprocessable("this idempotency key was used with other parameters")
        return existing is not None

    # -- steps 2 and 3, resumable ----------------------------------------------------------

    async def run(self, command_id: str) -> SagaResult:
        async with UnitOfWork(self.engine) as uow:
            leased = await commands.take_lease(uow.connection, command_id, self.lease.total_seconds())
            await uow.commit()
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
            ids = await commands.with_expired_leases(db, limit)
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
            row = await commands.load(db, command_id, KEY_HORIZON.total_seconds())
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
        async with UnitOfWork(self.engine) as uow:  # compensation must know what to cancel
            await commands.set_subscription(uow.connection, command_id, subscription["id"])
            await uow.commit()
        self.checkpoint("subscription_created")
        await self._commit(command, subscription["id"])
        self.checkpoint("committed")

    async def _ensure_customer(self, command: dict[str, Any]) -> None:
        async with self.engine.connect() as db:
            account = await billing_accounts.account(db, command["client_id"])  # written when the command started
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
        async with UnitOfWork(self.engine) as uow:
            await billing_accounts.set_customer_if_none(uow.connection, command["client_id"], customer_id)
            await commands.set_customer(uow.connection, command["id"], customer_id, created)
            await uow.commit()

    async def _ensure_subscription(self, command: dict[str, Any]) -> dict[str, Any]:
        if command["beyond_key_horizon"]:
            found = await self.stripe.search_one(self.stripe.v1.subscriptions, "command_id", command["id"])
            if found:
                return found
        async with self.engine.connect() as db:
            price = await catalog_records.stripe_price(db, command["plan_id"])
            coupon = await catalog_records.stripe_coupon(db, command["coupon_id"])
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
            account = await billing_accounts.deletion_shared(uow.connection, command["client_id"])
            if account.deleted_at is not None:
                raise PermanentError("the client was deleted while subscribing")
            # Stripe's current subscription, not the create response: that may be a replay
            # older than what a webhook already stored.
            if await refresh(uow, self.stripe, subscription_id, command_id=command["id"]) is None:
                raise PermanentError(f"stripe no longer has subscription {subscription_id}")
            await commands.complete(uow.connection, command["id"])
            await uow.commit()

    # -- compensation ------------------------------------------------------------------------

    async def _compensate(self, command_id: str, reason: str) -> None:
        async with UnitOfWork(self.engine) as uow:
            await commands.start_compensating(uow.connection, command_id, reason)
            await uow.commit()
        command = await self._load(command_id)
        if command["state"] != "compensating":
            return
        if command["stripe_subscription_id"]:
            await self._undo_subscription(command_id, command["stripe_subscription_id"])
        if command["customer_created"]:
            await self.stripe.find(self.stripe.v1.customers.delete_async(command["stripe_customer_id"]))
        async with UnitOfWork(self.engine) as uow:
            db = uow.connection
            if command["customer_created"]:
                await billing_accounts.clear_customer(db, command["client_id"], command["stripe_customer_id"])
            await commands.give_back_coupon(db, command_id)
            await commands.compensated(db, command_id)
            await uow.commit()

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
        async with UnitOfWork(self.engine) as uow:
            await commands.release(uow.connection, command_id)
            await uow.commit()
