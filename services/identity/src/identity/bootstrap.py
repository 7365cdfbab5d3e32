"""The composition root: the app, its database engine and its outbox relay."""
from __future__ import annotations

import contextlib
from datetime import timedelta

from fastapi import FastAPI

from identity.entrypoints.http import install_error_handlers, router
from identity.service_layer.login import Login
from identity.service_layer.tenants import Tenants
from identity.settings import IdentitySettings
from revgen_common.clock import Clock, system_clock
from revgen_common.service import running_service, service_app
from revgen_common.db import create_engine


def create_app(settings: IdentitySettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.identity_database_url)
        async with running_service("identity", engine, settings.kafka_bootstrap_servers):
            app.state.engine = engine
            app.state.login = Login(engine, settings.otp_pepper.get_secret_value().encode(),
                                    timedelta(minutes=settings.session_ttl_minutes), clock)
            app.state.tenants = Tenants(engine)
            try:
                yield
            finally:
                await app.state.login.drain()  # what it still has to write goes out with the relay

    app = service_app("identity", lifespan, router, install_error_handlers, settings.identity_api_token)
    app.state.settings = settings
    return app
