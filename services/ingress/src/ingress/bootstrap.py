"""The composition root: builds the app and its parts from settings, never at import."""
from __future__ import annotations

import asyncio
import contextlib
from typing import cast

from prometheus_client import make_asgi_app
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp, ExceptionHandler
from svix.webhooks import Webhook

from ingress import metrics
from ingress.adapters.kafka_publisher import KafkaPublisher
from ingress.adapters.ledger import Ledger, connect_pool
from ingress.domain.webhooks import Rejected
from ingress.entrypoints.http import ROUTES, rejected
from ingress.entrypoints.overload import InFlightLimit
from ingress.service_layer.gateway import Gateway
from ingress.service_layer.marks import PublishedMarks
from ingress.settings import IngressSettings
from revgen_common.clock import Clock, system_clock
from revgen_common.periodic import every
from revgen_common.topics import (
    FORM_SUBMISSIONS,
    RESEND_WEBHOOKS,
    STRIPE_WEBHOOKS,
    TWILIO_CALLS,
    TWILIO_MESSAGE_STATUS,
    TWILIO_MESSAGES,
)
from revgen_common.tracing import configure_tracing

TOPICS = [t.name for t in (STRIPE_WEBHOOKS, TWILIO_MESSAGES, TWILIO_CALLS, TWILIO_MESSAGE_STATUS, FORM_SUBMISSIONS,
                           RESEND_WEBHOOKS)]
MAINTENANCE_SECONDS = 3600  # a failed round is retried next hour: partitions exist two days ahead


def create_app(settings: IngressSettings, clock: Clock = system_clock) -> ASGIApp:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        configure_tracing("ingress")  # here, in each worker process (the supervisor serves nothing)
        pool = await connect_pool(settings.ingress_database_url, settings.database_pool_size)
        publisher = KafkaPublisher(settings.kafka_bootstrap_servers, settings.kafka_request_timeout_ms)
        await publisher.start(TOPICS)
        ledger = Ledger(pool, settings.publish_settle_seconds)
        marks = PublishedMarks(ledger)
        marks.start()
        app.state.gateway = Gateway(ledger, publisher, marks, settings.response_deadline_seconds, clock)
        stop = asyncio.Event()
        maintenance = asyncio.create_task(every(MAINTENANCE_SECONDS, ledger.maintain, stop))
        try:
            yield
        finally:
            stop.set()
            maintenance.cancel()
            await app.state.gateway.drain()
            await publisher.stop()
            try:
                await asyncio.wait_for(pool.close(), 5)
            except TimeoutError:  # a connection stuck on a vanished server
                pool.terminate()

    routes = [*ROUTES, Mount("/metrics", make_asgi_app(metrics.scrape_registry()))]
    # Starlette types a handler as taking any Exception; it calls this one with Rejected only.
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={Rejected: cast(ExceptionHandler, rejected)})
    app.state.settings = settings
    app.state.resend_verifier = Webhook(settings.resend_webhook_secret.get_secret_value())
    return InFlightLimit(app, limit=settings.max_in_flight)  # outermost: refusing costs next to nothing
