"""The composition root: HTTP app, event consumer, outbox relay and the step timer, in one
process over one database."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from escalation.entrypoints.http import install_error_handlers, router
from escalation.handlers import handlers
from escalation.service_layer.claims import Claims
from escalation.service_layer.escalations import Escalations
from escalation.service_layer.queue_views import QueueViews
from escalation.service_layer.roster import Roster
from escalation.settings import EscalationSettings
from revgen_common import ExactlyOnceConsumer
from revgen_common.clock import Clock, system_clock
from revgen_common.db import create_engine
from revgen_common.service import running_service, service_app
from revgen_common.topics import ESCALATION_GROUP

TIMER_SECONDS = 1.0


@dataclass(frozen=True)
class Escalation:
    escalations: Escalations
    claims: Claims
    roster: Roster
    queue_views: QueueViews


def build(engine: AsyncEngine, claim_base_url: str, unclaimed_after: timedelta, clock: Clock = system_clock) -> Escalation:
    return Escalation(escalations=Escalations(engine, claim_base_url, unclaimed_after, clock),
                      claims=Claims(engine, clock), roster=Roster(claim_base_url, unclaimed_after, clock),
                      queue_views=QueueViews(engine))


def create_app(settings: EscalationSettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.escalation_database_url)
        async with running_service("escalation", engine, settings.kafka_bootstrap_servers) as runtime:
            app.state.engine = engine
            escalation = build(engine, str(settings.claim_base_url),
                               timedelta(seconds=settings.unclaimed_after_seconds), clock)
            app.state.claims = escalation.claims
            app.state.queue_views = escalation.queue_views
            runtime.start(ExactlyOnceConsumer(name=ESCALATION_GROUP.name, topics=ESCALATION_GROUP.topics,
                                              handlers=handlers(escalation.escalations, escalation.roster),
                                              engine=engine, clock=clock,
                                              bootstrap_servers=settings.kafka_bootstrap_servers,
                                              group_instance_id=runtime.slot.instance_id(ESCALATION_GROUP.name)).run)
            # Steps are claimed atomically in SQL, so several processes may run this timer at once.
            runtime.every(TIMER_SECONDS, escalation.escalations.run_due_steps)
            yield

    return service_app("escalation", lifespan, router, install_error_handlers, settings.escalation_api_token)
