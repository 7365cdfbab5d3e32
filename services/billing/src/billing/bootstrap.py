"""The composition root: HTTP API, event consumer, outbox relay, saga recovery and
scheduled reconciliation, in one process over one database."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.stripe_gateway import StripeGateway
from billing.entrypoints import account_views, views
from billing.entrypoints.http import install_error_handlers, router
from billing.handlers import handlers
from billing.service_layer.catalog import Catalog
from billing.service_layer.client_events import ClientEvents
from billing.service_layer.reconciliation import EVENT_GRACE, Reconciliation
from billing.service_layer.stripe_events import StripeEvents
from billing.service_layer.subscribe import SubscribeSaga
from billing.service_layer.subscription_changes import SubscriptionChanges
from billing.settings import BillingSettings
from revgen_common import ExactlyOnceConsumer
from revgen_common.clock import Clock, system_clock
from revgen_common.consumer import ConsumerOptions
from revgen_common.db import create_engine
from revgen_common.process_slot import ProcessSlot
from revgen_common.service import running_service, service_app
from revgen_common.topics import BILLING_GROUP


@dataclass(frozen=True)
class Billing:
    engine: AsyncEngine
    saga: SubscribeSaga
    catalog: Catalog
    changes: SubscriptionChanges
    stripe_events: StripeEvents
    client_events: ClientEvents
    reconciliation: Reconciliation
    clock: Clock


def build(engine: AsyncEngine, stripe: StripeGateway, saga_lease: timedelta = timedelta(seconds=60),
          event_grace: timedelta = EVENT_GRACE, clock: Clock = system_clock) -> Billing:
    stripe_events = StripeEvents(engine, stripe)
    return Billing(engine=engine, saga=SubscribeSaga(engine, stripe, saga_lease, clock=clock),
                   catalog=Catalog(engine, stripe, clock), changes=SubscriptionChanges(engine, stripe, clock),
                   stripe_events=stripe_events,
                   client_events=ClientEvents(stripe_events),
                   reconciliation=Reconciliation(engine, stripe_events, event_grace, clock=clock), clock=clock)


def consumer(billing: Billing, settings: BillingSettings, slot: ProcessSlot | None = None) -> ExactlyOnceConsumer:
    """A static member named by the process's slot: a restart takes its partitions back at
    once (without a slot, a dynamic member)."""
    # Small batches: a batch's Stripe reads are made together before its transaction, and
    # the ones a concurrent writer overtook are made again in it.
    return ExactlyOnceConsumer(name=BILLING_GROUP.name, topics=BILLING_GROUP.topics,
                               handlers=handlers(billing.stripe_events, billing.client_events), engine=billing.engine,
                               bootstrap_servers=settings.kafka_bootstrap_servers,
                               options=ConsumerOptions(max_batch=50, max_concurrent_preparations=8), clock=billing.clock,
                               group_instance_id=slot.instance_id(BILLING_GROUP.name) if slot else None)


def create_app(settings: BillingSettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.billing_database_url)
        async with running_service("billing", engine, settings.kafka_bootstrap_servers) as runtime:
            app.state.engine = engine
            stripe = StripeGateway(settings.stripe_api_key.get_secret_value(), str(settings.stripe_api_base),
                                   settings.stripe_timeout_seconds)
            billing = build(engine, stripe, timedelta(seconds=settings.saga_lease_seconds),
                            timedelta(seconds=settings.reconcile_event_grace_seconds), clock)
            app.state.billing = billing
            runtime.start(consumer(billing, settings, runtime.slot).run)
            runtime.every(settings.recovery_interval_seconds, billing.saga.recover)
            runtime.every(settings.reconcile_interval_seconds, billing.reconciliation.run)
            yield

    return service_app("billing", lifespan, [router, views.router, account_views.router], install_error_handlers,
                       settings.billing_api_token)
