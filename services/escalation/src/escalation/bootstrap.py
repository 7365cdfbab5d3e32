"""The composition root: HTTP app, event consumer, outbox relay and the step timer, in one
process over one database."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from prometheus_client import make_asgi_app

from escalation.entrypoints.http import install_error_handlers, router
from escalation.service_layer.escalations import Escalations, handlers
from escalation.settings import EscalationSettings
from revgen_common import ExactlyOnceConsumer, OutboxRelay
from revgen_common.db import create_engine
from revgen_common.topics import IDENTITY_EVENTS, MESSAGING_EVENTS

log = logging.getLogger(__name__)
TIMER_SECONDS = 1.0


async def _timer(escalations: Escalations, stop: asyncio.Event) -> None:
    """Checks for due steps every second; the step itself is claimed atomically in SQL, so
    several processes may run this at once."""
    while not stop.is_set():
        try:
            await escalations.run_due_steps()
        except Exception:
            log.exception("escalation timer failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TIMER_SECONDS)


def create_app(settings: EscalationSettings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.escalation_database_url)
        escalations = Escalations(engine, str(settings.claim_base_url),
                                  timedelta(seconds=settings.unclaimed_after_seconds), clock)
        app.state.escalations = escalations
        stop = asyncio.Event()
        consumer = ExactlyOnceConsumer(name="escalation", topics=[MESSAGING_EVENTS, IDENTITY_EVENTS],
                                       handlers=handlers(escalations), engine=engine,
                                       bootstrap_servers=settings.kafka_bootstrap_servers)
        relay = OutboxRelay(name="escalation", engine=engine, bootstrap_servers=settings.kafka_bootstrap_servers)
        tasks = [asyncio.create_task(c) for c in (consumer.run(stop), relay.run(stop), _timer(escalations, stop))]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await engine.dispose()

    app = FastAPI(title="RevGen escalation", lifespan=lifespan)
    app.include_router(router)
    install_error_handlers(app)
    app.mount("/metrics", make_asgi_app())
    return app
