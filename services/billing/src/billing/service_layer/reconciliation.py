"""Reconciliation (E2): compare every Stripe subscription with ours, apply the events
Stripe sent that never reached us, and record each drift once with an alert.

Idempotent and safe to run concurrently: repairs go through the same `refresh` as webhooks
(under the object's advisory lock), events through the same ledger, and a drift is one row
by its unique key. One object that fails is recorded as a `reconciliation_error` drift and
the run goes on with the next."""
from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from billing import SERVICE
from billing.adapters import subscriptions
from billing.domain.subscription_state import Stored, SubscriptionState
from billing.service_layer.stripe_events import StripeEvents, record_drift
from billing.service_layer.stripe_reads import lock_object
from billing.service_layer.stripe_sync import UnknownClient, as_stored, refresh, stored
from revgen_common.clock import Clock
from revgen_common.unit_of_work import Transaction, UnitOfWork

log = logging.getLogger(__name__)
EVENT_LOOKBACK_SECONDS = 3 * 24 * 3600  # as far back as Stripe retries webhooks
# Events younger than this may still be on their way (in ingress, in Kafka, in a batch):
# not undelivered yet.
EVENT_GRACE = timedelta(minutes=10)


@dataclass
class ReconciliationReport:
    subscriptions_checked: int = 0
    events_checked: int = 0
    drifts: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, object id, detail)


def _described(state: Stored) -> str:
    return (f"{state.status}/plan {state.plan_id}/{'paused' if state.paused else 'collecting'}/"
            f"{'ends at period end' if state.cancel_at_period_end else 'renews'}")


class Reconciliation:
    def __init__(self, engine: AsyncEngine, stripe_events: StripeEvents, event_grace: timedelta = EVENT_GRACE,
                 *, clock: Clock):
        self.engine = engine
        self.events = stripe_events
        self.stripe = stripe_events.stripe
        self.event_grace = event_grace
        self.clock = clock

    async def run(self) -> ReconciliationReport:
        report = ReconciliationReport()
        seen: set[str] = set()
        async for subscription in self.stripe.each(self.stripe.v1.subscriptions, {"status": "all", "limit": 100}):
            seen.add(subscription["id"])
            report.subscriptions_checked += 1
            await self._isolated(self._compare(subscription["id"], report), subscription["id"], "compare", report)
        await self._missing_at_stripe(seen, report)
        await self._undelivered_events(report)
        log.info("reconciliation: %d subscriptions, %d events, %d drifts", report.subscriptions_checked,
                 report.events_checked, len(report.drifts))
        return report

    async def _isolated(self, work: Awaitable[None], object_id: str, step: str, report: ReconciliationReport) -> None:
        """One object's failure (Stripe unavailable for it, bad data) is recorded and the run
        goes on: a single bad item must not hide the drifts of all the others."""
        try:
            await work
        except Exception as error:
            log.exception("reconciliation: %s of %s failed", step, object_id)
            async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
                # The error's class, not its message: the message varies per attempt (request
                # ids), and one failing object must stay one discrepancy.
                await self._drift(uow, report, "reconciliation_error", object_id, f"{step}: {type(error).__name__}",
                                  False)
                await uow.commit()

    async def _compare(self, subscription_id: str, report: ReconciliationReport) -> None:
        """Stripe's current subscription (re-read under the lock, not the listed snapshot,
        which a webhook may already have overtaken) against what we had."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            await lock_object(uow, subscription_id)
            local = await stored(uow, subscription_id)
            client_id = await subscriptions.client_of(uow.connection, subscription_id)
            try:
                current = await refresh(uow, self.stripe, subscription_id)
            except UnknownClient:
                await self._drift(uow, report, "missing_locally", subscription_id,
                                  "stripe has it for a customer no client owns", False)
                await uow.commit()
                return
            if current is None:
                return  # gone since it was listed: `_missing_at_stripe` reports it if we hold it
            at_stripe = await as_stored(uow, SubscriptionState.from_stripe(current))
            if local is None:
                await self._drift(uow, report, "missing_locally", subscription_id,
                                  f"stripe has it ({current['status']}); imported", True)
            elif local != at_stripe:
                await self._drift(uow, report, "status_mismatch", subscription_id,
                                  f"local {_described(local)}, stripe {_described(at_stripe)}", True, client_id)
            await uow.commit()

    async def _missing_at_stripe(self, seen: set[str], report: ReconciliationReport) -> None:
        async with self.engine.connect() as db:
            rows = await subscriptions.uncanceled(db)
        for row in rows:
            if row.id not in seen:
                await self._isolated(self._check_missing(row, report), row.id, "lookup", report)

    async def _check_missing(self, row, report: ReconciliationReport) -> None:
        if await self.stripe.retrieve_subscription(row.id) is not None:
            return
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            await self._drift(uow, report, "missing_at_stripe", row.id, f"local {row.status}, unknown to stripe",
                              False, row.client_id)
            await uow.commit()

    async def _undelivered_events(self, report: ReconciliationReport) -> None:
        now = int(self.clock().timestamp())
        window = {"gte": now - EVENT_LOOKBACK_SECONDS, "lte": now - int(self.event_grace.total_seconds())}
        async for event in self.stripe.each(self.stripe.v1.events, {"created": window, "limit": 100}):
            if event["type"] not in self.events.routes:
                continue
            report.events_checked += 1
            await self._isolated(self._apply_missed(event, report), event["id"], "apply", report)

    async def _apply_missed(self, event: dict, report: ReconciliationReport) -> None:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            if await self.events.apply(uow, event, source="reconciliation"):
                await self._drift(uow, report, "undelivered_event", event["id"], event["type"], True)
            await uow.commit()

    async def _drift(self, uow: Transaction, report: ReconciliationReport, kind: str, object_id: str, detail: str,
                     repaired: bool, client_id: str | None = None) -> None:
        await record_drift(uow, kind, object_id, detail, repaired=repaired, client_id=client_id)
        report.drifts.append((kind, object_id, detail))
