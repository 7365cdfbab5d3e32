"""Reconciliation (E2): compare every Stripe subscription with ours, apply the events
Stripe sent that never reached us, and record each drift once with an alert.

Idempotent and safe to run concurrently: repairs go through the same sync as webhooks
(row-locked), events through the same ledger, and a drift is one row by its unique key."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.service_layer.stripe_events import StripeEvents, record_drift
from billing.service_layer.stripe_sync import UnknownClient
from revgen_common.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
EVENT_LOOKBACK_SECONDS = 3 * 24 * 3600  # as far back as Stripe retries webhooks


@dataclass
class ReconciliationReport:
    subscriptions_checked: int = 0
    events_checked: int = 0
    drifts: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, object id, detail)


class Reconciliation:
    def __init__(self, engine: AsyncEngine, stripe_events: StripeEvents):
        self.engine = engine
        self.events = stripe_events
        self.stripe = stripe_events.stripe

    async def run(self) -> ReconciliationReport:
        report = ReconciliationReport()
        seen: set[str] = set()
        async for subscription in self.stripe.each(self.stripe.v1.subscriptions, {"status": "all", "limit": 100}):
            seen.add(subscription["id"])
            report.subscriptions_checked += 1
            await self._compare(subscription, report)
        await self._missing_at_stripe(seen, report)
        await self._undelivered_events(report)
        log.info("reconciliation: %d subscriptions, %d events, %d drifts", report.subscriptions_checked,
                 report.events_checked, len(report.drifts))
        return report

    async def _compare(self, subscription: dict, report: ReconciliationReport) -> None:
        async with UnitOfWork(self.engine) as uow:
            local = (await uow.connection.execute(text("SELECT status, cancel_at_period_end, client_id FROM subscriptions WHERE id = :id"),
                                                  {"id": subscription["id"]})).first()
            try:
                await self.events.converge(uow, subscription)
            except UnknownClient:
                await self._drift(uow, report, "missing_locally", subscription["id"],
                                  f"stripe has it ({subscription['status']}) for a customer no client owns", False)
                await uow.commit()
                return
            if local is None:
                await self._drift(uow, report, "missing_locally", subscription["id"],
                                  f"stripe has it ({subscription['status']}); imported", True)
            elif (local.status, local.cancel_at_period_end) != (subscription["status"],
                                                                bool(subscription.get("cancel_at_period_end"))):
                await self._drift(uow, report, "status_mismatch", subscription["id"],
                                  f"local {local.status}/{local.cancel_at_period_end}, stripe {subscription['status']}/"
                                  f"{bool(subscription.get('cancel_at_period_end'))}", True, local.client_id)
            await uow.commit()

    async def _missing_at_stripe(self, seen: set[str], report: ReconciliationReport) -> None:
        async with self.engine.connect() as db:
            rows = (await db.execute(text("SELECT id, client_id, status FROM subscriptions WHERE status <> 'canceled'"))).all()
        for row in rows:
            if row.id in seen or await self.stripe.retrieve_subscription(row.id) is not None:
                continue
            async with UnitOfWork(self.engine) as uow:
                await self._drift(uow, report, "missing_at_stripe", row.id, f"local {row.status}, unknown to stripe",
                                  False, row.client_id)
                await uow.commit()

    async def _undelivered_events(self, report: ReconciliationReport) -> None:
        since = int(time.time()) - EVENT_LOOKBACK_SECONDS
        async for event in self.stripe.each(self.stripe.v1.events, {"created": {"gte": since}, "limit": 100}):
            if event["type"] not in self.events.routes:
                continue
            report.events_checked += 1
            async with UnitOfWork(self.engine) as uow:
                if await self.events.apply(uow, event, source="reconciliation"):
                    await self._drift(uow, report, "undelivered_event", event["id"], event["type"], True)
                await uow.commit()

    async def _drift(self, uow: UnitOfWork, report: ReconciliationReport, kind: str, object_id: str, detail: str,
                     repaired: bool, client_id: str | None = None) -> None:
        await record_drift(uow, kind, object_id, detail, repaired=repaired, client_id=client_id)
        report.drifts.append((kind, object_id, detail))
