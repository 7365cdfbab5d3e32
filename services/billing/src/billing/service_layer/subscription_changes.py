"""Changes to an existing subscription. Each is one Stripe call with the caller's
idempotency key, then local state refreshed from Stripe. Not from Stripe's answer: a late
retry of an old key gets the old answer replayed (a pause replayed after a resume), and
storing it would undo the newer change. If the local step fails, the webhook and
reconciliation bring it to the same state: no saga is needed."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from stripe.params import SubscriptionUpdateParams

from billing import SERVICE
from billing.adapters import cancellation_requests, catalog_records, lead_outcomes, subscriptions
from billing.adapters import coupon_applications as applications
from billing.adapters.stripe_gateway import StripeGateway
from billing.domain.coupons import why_not_redeemable
from billing.domain.retention import retention_offer
from billing.service_layer.stripe_sync import refresh
from revgen_common.clock import Clock
from revgen_common.errors import NotFound, PermanentError, Refused, Unprocessable
from revgen_common.unit_of_work import UnitOfWork


class SubscriptionChanges:
    def __init__(self, engine: AsyncEngine, stripe: StripeGateway, clock: Clock):
        self.engine = engine
        self.clock = clock
        self.stripe = stripe

    async def change_plan(self, subscription_id: str, plan_id: str, key: str) -> dict:
        async with self.engine.connect() as db:
            plan = await catalog_records.plan_for_change(db, plan_id)
        if plan is None:
            raise NotFound(f"no plan {plan_id!r}")
        if not plan.active:
            raise Refused(f"plan {plan_id!r} is no longer offered")  # D7
        current = await self._stripe_subscription(subscription_id)
        item = current["items"]["data"][0]["id"]
        return await self._update(subscription_id, {"items": [{"id": item, "price": plan.stripe_price_id}],
                                                    "proration_behavior": "create_prorations"}, f"{key}:change-plan")

    async def pause(self, subscription_id: str, key: str) -> dict:
        await self._local(subscription_id)
        return await self._update(subscription_id, {"pause_collection": {"behavior": "void"}}, f"{key}:pause")

    async def resume(self, subscription_id: str, key: str) -> dict:
        current = await self._stripe_subscription(subscription_id)
        if current["status"] == "paused":  # paused by Stripe at trial end: its own resume call
            await self.stripe.call(self.stripe.v1.subscriptions.resume_async(
                subscription_id, {"billing_cycle_anchor": {"type": "now"}}, self.stripe.keyed(f"{key}:resume")))
            return await self._refreshed(subscription_id)
        return await self._update(subscription_id, {"pause_collection": ""}, f"{key}:resume")

    async def cancel(self, subscription_id: str, at_period_end: bool, key: str) -> dict:
        await self._local(subscription_id)
        if at_period_end:
            return await self._update(subscription_id, {"cancel_at_period_end": True}, f"{key}:cancel-at-period-end")
        await self.stripe.call(self.stripe.v1.subscriptions.cancel_async(
            subscription_id, None, self.stripe.keyed(f"{key}:cancel")))
        return await self._refreshed(subscription_id)

    async def apply_coupon(self, subscription_id: str, coupon_id: str, key: str) -> dict:
        """Redeem the coupon locally (its limit and last day checked in the same statement), then
        set it as the subscription's discount at Stripe, replacing any other; if Stripe refuses,
        the redemption is given back. The same key again replays, never redeems twice."""
        try:
            stripe_coupon = await self._redeemed(subscription_id, coupon_id, key)
        except IntegrityError:  # the same key, or the same coupon, committed meanwhile: judged again
            stripe_coupon = await self._redeemed(subscription_id, coupon_id, key)
        try:
            await self.stripe.call(self.stripe.v1.subscriptions.update_async(
                subscription_id, {"discounts": [{"coupon": stripe_coupon}]}, self.stripe.keyed(f"{key}:coupon")))
        except PermanentError:  # StripeRefused included: nothing changed at Stripe
            async with UnitOfWork(self.engine) as uow:
                await applications.give_back(uow.connection, key)
                await uow.commit()
            raise
        return await self._refreshed(subscription_id)

    async def _redeemed(self, subscription_id: str, coupon_id: str, key: str) -> str:
        async with UnitOfWork(self.engine) as uow:
            db = uow.connection
            known = await applications.by_key(db, key)
            coupon = await applications.coupon(db, coupon_id)
            if known is not None and (known.subscription_id, known.coupon_id) != (subscription_id, coupon_id):
                raise Unprocessable("this Idempotency-Key already applied another coupon or to another subscription")
            if coupon is None:
                raise NotFound(f"no coupon {coupon_id!r}")
            if known is not None:
                await uow.commit()
                return coupon.stripe_coupon_id  # a retry: Stripe's call below is keyed, it replays too
            subscription = await applications.subscription(db, subscription_id)
            if subscription is None:
                raise NotFound(f"no subscription {subscription_id!r}")
            if subscription.status == "canceled":
                raise Refused("the subscription is canceled")
            if await applications.already_applied(db, subscription_id, coupon_id):
                raise Refused(f"coupon {coupon_id!r} was already applied to this subscription")
            if not await applications.redeem(db, key, subscription_id, coupon_id, subscription.client_id,
                                             self.clock()):
                why = why_not_redeemable(coupon.active, coupon.redeemed, coupon.max_redemptions, coupon.redeem_by,
                                         self.clock()) or "cannot be redeemed now"
                raise Refused(f"coupon {coupon_id!r} {why}")
            await uow.commit()
        return coupon.stripe_coupon_id

    # -- the retention flow (B5, B6) ----------------------------------------------------

    async def start_cancellation(self, client_id: str) -> dict:
        async with UnitOfWork(self.engine) as uow:
            db = uow.connection
            sub = await subscriptions.cancellable_of_client(db, client_id)
            if sub is None:
                raise NotFound(f"client {client_id!r} has no subscription to cancel")
            stats = await lead_outcomes.figures(db, client_id)
            offer = retention_offer(stats.decided, stats.won, int(stats.won_value), sub.unit_amount_cents, sub.interval,
                                    won_with_value=stats.won_with_value)
            request_id = uuid.uuid4()
            await cancellation_requests.add(db, request_id, client_id, sub.id, offer.as_dict())
            await uow.commit()
        return {"id": str(request_id), "subscription_id": sub.id, "offer": offer.as_dict()}

    async def confirm_cancellation(self, request_id: uuid.UUID | str) -> dict:
        """B5: a confirmed request really reaches Stripe (cancel at period end, keyed by the request)."""
        request_id = str(request_id)
        async with self.engine.connect() as db:
            row = await cancellation_requests.subscription_of(db, request_id)
        if row is None:
            raise NotFound(f"no cancellation request {request_id!r}")
        subscription = await self._update(row.subscription_id, {"cancel_at_period_end": True}, f"cancellation:{request_id}")
        async with UnitOfWork(self.engine) as uow:
            await cancellation_requests.confirm(uow.connection, request_id)
            await uow.commit()
        return subscription

    # -- helpers ------------------------------------------------------------------------

    async def _local(self, subscription_id: str) -> Any:
        async with self.engine.connect() as db:
            row = await subscriptions.status(db, subscription_id)
        if row is None:
            raise NotFound(f"no subscription {subscription_id!r}")
        if row.status == "canceled":
            raise Refused("the subscription is canceled")
        return row

    async def _stripe_subscription(self, subscription_id: str) -> dict:
        await self._local(subscription_id)
        current = await self.stripe.retrieve_subscription(subscription_id)
        if current is None:
            raise Refused(f"subscription {subscription_id!r} is missing at Stripe")
        return current

    async def _update(self, subscription_id: str, params: SubscriptionUpdateParams, key: str) -> dict:
        await self.stripe.call(self.stripe.v1.subscriptions.update_async(subscription_id, params, self.stripe.keyed(key)))
        return await self._refreshed(subscription_id)

    async def _refreshed(self, subscription_id: str) -> dict:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            await refresh(uow, self.stripe, subscription_id)
            await uow.commit()
        async with self.engine.connect() as db:
            row = await subscriptions.row(db, subscription_id)
        return row._asdict()
