"""Service follows billing (ADR 0012): billing's events become facts, the facts a client's
service state, and the client's owner is told once when service stops and once when it
resumes. Whether a client is served is read by the conversations (no assistant's reply, no
speed-to-lead) and by the sending gateway (no automations) from `service_states`."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import profiles, service_states
from messaging.domain.service_state import PAID, PAYMENT_FAILED, Fact, ServiceState, service_state
from revgen_common.clock import Clock
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts import billing
from revgen_common.contracts.base import Contract
from revgen_common.contracts.commands import SendMessage
from revgen_common.envelope import event_id_from
from revgen_common.unit_of_work import Transaction, UnitOfWork

log = logging.getLogger(__name__)
FOLLOWED = (  # billing's events that say whether a client is paid up (disputes do not: ADR 0012)
    billing.SubscriptionActivated, billing.SubscriptionChanged, billing.SubscriptionPaused, billing.SubscriptionResumed,
    billing.SubscriptionCanceled, billing.PaymentSucceeded, billing.PaymentFailed, billing.PaymentActionRequired)
WHY = {"canceled": "its subscription was cancelled", "paused": "its subscription is paused",
       "unpaid": "its payment is overdue"}
SUSPENDED = ("RevGen: service for {business} is suspended: {why}. Leads' texts are still recorded, but no "
             "automatic replies or messages go out until billing is settled.")
RESUMED = "RevGen: service for {business} has resumed: leads are answered again."


class ServiceStates:
    def __init__(self, engine: AsyncEngine, clock: Clock, grace: timedelta):
        self.engine = engine
        self.clock = clock
        self.grace = grace

    def served(self, status: str | None, since: datetime | None) -> bool:
        """From a `service_states` row (None: billing never spoke of the client)."""
        return status is None or ServiceState(status, None, since).served(self.clock(), self.grace)

    async def billing_event(self, event: Delivered[billing.SubscriptionOutcome | billing.PaymentOutcome],
                            ctx: HandlerContext) -> None:
        fact = fact_of(event.body, event.occurred_at)
        if fact is None:
            return  # a payment of no subscription says nothing about service
        client_id = event.body.client_id
        db = ctx.connection
        await service_states.record_fact(db, event.event_id, client_id, fact.subscription_id, fact.status,
                                         fact.paused, fact.occurred_at)
        facts = [Fact(r.subscription_id, r.occurred_at, r.status, r.paused)
                 for r in await service_states.facts_of(db, client_id)]
        state = service_state(facts)
        told = await service_states.set_state(db, client_id, state.status, state.reason, state.since)
        await self._tell(ctx, client_id, state, told)

    async def suspend_overdue(self) -> int:
        """The grace of past-due clients runs out with no event to say so: tell their owners."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            overdue = await service_states.overdue(uow.connection, self.clock() - self.grace)
            for row in overdue:
                await self._tell(uow, row.client_id, ServiceState(row.status, row.reason, row.since), None)
            await uow.commit()
        return len(overdue)

    async def _tell(self, tx: Transaction, client_id: str, state: ServiceState, told: datetime | None) -> None:
        """Once per suspension, keyed by when it began, and once when it ends: a redelivery,
        or a new cause while still suspended, tells nobody again."""
        if not state.served(self.clock(), self.grace):
            if told is not None:
                return
            began = state.suspended_since(self.grace)
            assert began is not None
            await self._notify(tx, client_id, "suspended", began, SUSPENDED, why=WHY[state.why()])
            told = began
        elif told is not None:
            await self._notify(tx, client_id, "resumed", told, RESUMED)
            told = None
        else:
            return
        await service_states.set_told(tx.connection, client_id, told)

    async def _notify(self, tx: Transaction, client_id: str, what: str, began: datetime,
                      template: str, **fields: str) -> None:
        owner = await profiles.owner(tx.connection, client_id)
        if owner is None or not owner.owner_phone:
            log.warning("service for %s %s; its profile names no owner to tell", client_id, what)
            return
        body = template.format(business=owner.business_name or client_id, **fields)
        tx.publish(SendMessage(to=owner.owner_phone, body=body, purpose="account_notice"),
                   event_id=event_id_from("messaging-service", client_id, what, began.isoformat()))


def fact_of(message: Contract, occurred_at: datetime) -> Fact | None:
    match message:
        case billing.SubscriptionOutcome():
            return Fact(message.subscription_id, occurred_at, message.status, message.paused)
        case billing.PaymentSucceeded() if message.subscription_id:
            return Fact(message.subscription_id, occurred_at, PAID)
        case billing.PaymentFailed() | billing.PaymentActionRequired() if message.subscription_id:
            return Fact(message.subscription_id, occurred_at, PAYMENT_FAILED)
    return None
