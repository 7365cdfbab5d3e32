"""The composition root: the app, its database engine, its outbox relay and the consumer of
the events that alert people or are audited here (handlers.py)."""
from __future__ import annotations

import contextlib
from datetime import timedelta

from fastapi import FastAPI

from identity.entrypoints import agency_http, client_http, session_http
from identity.entrypoints.errors import install_error_handlers
from identity.handlers import handlers
from identity.service_layer.agency_team import AgencyTeam
from identity.service_layer.login import Login
from identity.service_layer.tenants import Tenants
from identity.settings import IdentitySettings
from revgen_common import ExactlyOnceConsumer
from revgen_common.clock import Clock, system_clock
from revgen_common.db import create_engine
from revgen_common.service import running_service, service_app
from revgen_common.topics import IDENTITY_GROUP


def create_app(settings: IdentitySettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.identity_database_url)
        async with running_service("identity", engine, settings.kafka_bootstrap_servers) as runtime:
            app.state.engine = engine
            app.state.login = Login(engine, settings.otp_pepper.get_secret_value().encode(),
                                    timedelta(minutes=settings.session_ttl_minutes), clock)
            app.state.tenants = Tenants(engine, clock)
            app.state.agency_team = AgencyTeam(engine, clock)
            runtime.start(ExactlyOnceConsumer(name=IDENTITY_GROUP.name, topics=IDENTITY_GROUP.topics,
                                              handlers=handlers(),
                                              engine=engine, clock=clock,
                                              bootstrap_servers=settings.kafka_bootstrap_servers,
                                              group_instance_id=runtime.slot.instance_id(IDENTITY_GROUP.name)).run)
            try:
                yield
            finally:
                await app.state.login.drain()  # what it still has to write goes out with the relay

    routers = [session_http.router, client_http.router, agency_http.router]
    app = service_app("identity", lifespan, routers, install_error_handlers, settings.identity_api_token)
    app.state.settings = settings
    return app
