"""The composition root: builds the app and its parts from settings, never at import."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI
from prometheus_client import make_asgi_app

from ingress.adapters.kafka_publisher import KafkaPublisher
from ingress.adapters.ledger import Ledger
from ingress.domain.webhooks import Rejected
from ingress.entrypoints.http import InFlightLimit, rejected, router
from ingress.service_layer.gateway import Gateway
from ingress.settings import IngressSettings
from revgen_common.db import create_engine
from revgen_common.topics import FORM_SUBMISSIONS, STRIPE_WEBHOOKS, TWILIO_CALLS, TWILIO_MESSAGE_STATUS, TWILIO_MESSAGES

log = logging.getLogger(__name__)

TOPICS = [t.name for t in (STRIPE_WEBHOOKS, TWILIO_MESSAGES, TWILIO_CALLS, TWILIO_MESSAGE_STATUS, FORM_SUBMISSIONS)]
MAINTENANCE_SECONDS = 3600


async def _maintain_ledger(ledger: Ledger) -> None:
    while True:
        try:
            await ledger.maintain()
        except Exception:  # retried next hour; partitions exist two days ahead
            log.exception("webhook ledger maintenance failed")
        await asyncio.sleep(MAINTENANCE_SECONDS)


def create_app(settings: IngressSettings) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.ingress_database_url, pool_size=settings.database_pool_size,
                               connect_args={"timeout": 2, "command_timeout": 5})
        publisher = KafkaPublisher(settings.kafka_bootstrap_servers, settings.kafka_request_timeout_ms)
        await publisher.start(TOPICS)
        ledger = Ledger(engine, settings.publish_settle_seconds)
        app.state.gateway = Gateway(ledger, publisher, settings.response_deadline_seconds)
        maintenance = asyncio.create_task(_maintain_ledger(ledger))
        try:
            yield
        finally:
            maintenance.cancel()
            await app.state.gateway.drain()
            await publisher.stop()
            await engine.dispose()

    app = FastAPI(title="RevGen ingress", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(router)
    app.add_exception_handler(Rejected, rejected)
    app.mount("/metrics", make_asgi_app())
    app.add_middleware(InFlightLimit, limit=settings.max_in_flight)
    return app
