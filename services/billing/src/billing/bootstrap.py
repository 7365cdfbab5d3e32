"""The composition root: HTTP API, event consumer, outbox relay, saga recovery and
scheduled reconciliation, in one process over one database."""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from prometheus_client import make_asgi_app
from sqlalchemy.ext.asyncio import AsyncEngine

from billing.adapters.stripe_gateway import StripeGateway
from billing.entrypoints import views
from billing.entrypoints.http import install_error_handlers, router
from billing.service_layer.catalog import Catalog
from billing.service_layer.client_events import ClientEvents
from billing.service_layer.reconciliation import EVENT_GRACE, Reconciliation
from billing.service_layer.stripe_events import StripeEvents
from billing.service_layer.subscribe import SubscribeSaga
from billing.service_layer.subscription_changes import SubscriptionChanges
from billing.settings import BillingSettings
from revgen_common import ExactlyOnceConsumer, OutboxRelay
from revgen_common.clock import Clock, system_clock
from revgen_common.consumer import ConsumerOptions
from revgen_common.db import create_engine
from revgen_common.internal_api import InternalCredential
from revgen_common.periodic import every
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

    def handlers(self) -> dict:
        """What the consumer routes by event type."""
        return {
            "StripeEventReceived": self.stripe_events.received,
            "ClientDeleted": self.client_events.client_deleted,
            "LeadOutcomeRecorded": self.client_events.lead_outcome,
        }


def build(engine: AsyncEngine, stripe: StripeGateway, saga_lease: timedelta = timedelta(seconds=60),
          event_grace: timedelta = EVENT_GRACE, clock: Clock = system_clock) -> Billing:
    stripe_events = StripeEvents(stripe)
    return Billing(engine=engine, saga=SubscribeSaga(engine, stripe, saga_lease), catalog=Catalog(engine, stripe),
                   changes=SubscriptionChanges(engine, stripe), stripe_events=stripe_events,
                   client_events=ClientEvents(stripe_events),
                   reconciliation=Reconciliation(engine, stripe_events, event_grace, clock), clock=clock)


def consumer(billing: Billing, settings: BillingSettings) -> ExactlyOnceConsumer:
    # Small batches: each Stripe event costs a Stripe read inside the batch's transaction.
    return ExactlyOnceConsumer(name=BILLING_GROUP.name, topics=BILLING_GROUP.topics, handlers=billing.handlers(),
                               engine=billing.engine, bootstrap_servers=settings.kafka_bootstrap_servers,
                               options=ConsumerOptions(max_batch=50))


def create_app(settings: BillingSettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.billing_database_url)
        stripe = StripeGateway(settings.stripe_api_key.get_secret_value(), str(settings.stripe_api_base),
                               settings.stripe_timeout_seconds)
        billing = build(engine, stripe, timedelta(seconds=settings.saga_lease_seconds),
                        timedelta(seconds=settings.reconcile_event_grace_seconds), clock)
        app.state.billing = billing
        stop = asyncio.Event()
        relay = OutboxRelay(name="billing", engine=engine, bootstrap_servers=settings.kafka_bootstrap_servers)
        tasks = [asyncio.create_task(c) for c in (
            consumer(billing, settings).run(stop), relay.run(stop),
            every(settings.recovery_interval_seconds, billing.saga.recover, stop),
            every(settings.reconcile_interval_seconds, billing.reconciliation.run, stop))]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await engine.dispose()

    app = FastAPI(title="RevGen billing", lifespan=lifespan)
    app.include_router(router)
    app.include_router(views.router)
    install_error_handlers(app)
    app.add_middleware(InternalCredential, token=settings.billing_api_token.get_secret_value())
    app.mount("/metrics", make_asgi_app())
    return app
