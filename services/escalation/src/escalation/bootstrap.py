"""The composition root: HTTP app, event consumer, outbox relay and the step timer, in one
process over one database."""
from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from fastapi import FastAPI
from prometheus_client import make_asgi_app

from escalation.entrypoints.http import install_error_handlers, router
from escalation.service_layer.escalations import Escalations, handlers
from escalation.service_layer.queue_views import QueueViews
from escalation.settings import EscalationSettings
from revgen_common.clock import Clock, system_clock
from revgen_common import ExactlyOnceConsumer, OutboxRelay
from revgen_common.db import create_engine
from revgen_common.internal_api import InternalCredential
from revgen_common.periodic import every
from revgen_common.topics import ESCALATION_GROUP

TIMER_SECONDS = 1.0


def create_app(settings: EscalationSettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.escalation_database_url)
        escalations = Escalations(engine, str(settings.claim_base_url),
                                  timedelta(seconds=settings.unclaimed_after_seconds), clock)
        app.state.escalations = escalations
        app.state.queue_views = QueueViews(engine)
        stop = asyncio.Event()
        consumer = ExactlyOnceConsumer(name=ESCALATION_GROUP.name, topics=ESCALATION_GROUP.topics,
                                       handlers=handlers(escalations), engine=engine,
                                       bootstrap_servers=settings.kafka_bootstrap_servers)
        relay = OutboxRelay(name="escalation", engine=engine, bootstrap_servers=settings.kafka_bootstrap_servers)
        # Steps are claimed atomically in SQL, so several processes may run this timer at once.
        tasks = [asyncio.create_task(c) for c in (consumer.run(stop), relay.run(stop),
                                                  every(TIMER_SECONDS, escalations.run_due_steps, stop))]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await engine.dispose()

    app = FastAPI(title="RevGen escalation", lifespan=lifespan)
    app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(InternalCredential, token=settings.escalation_api_token.get_secret_value())
    app.mount("/metrics", make_asgi_app())
    return app
