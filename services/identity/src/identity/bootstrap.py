"""The composition root: the app, its database engine and its outbox relay."""
from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from fastapi import FastAPI
from prometheus_client import make_asgi_app

from identity.entrypoints.http import install_error_handlers, router
from identity.service_layer.login import Login
from identity.service_layer.tenants import Tenants
from identity.settings import IdentitySettings
from revgen_common.clock import Clock, system_clock
from revgen_common import OutboxRelay
from revgen_common.db import create_engine
from revgen_common.internal_api import InternalCredential


def create_app(settings: IdentitySettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.identity_database_url)
        app.state.engine = engine
        app.state.login = Login(engine, settings.otp_pepper.get_secret_value().encode(),
                                timedelta(minutes=settings.session_ttl_minutes), clock)
        app.state.tenants = Tenants(engine)
        stop = asyncio.Event()
        relay = asyncio.create_task(OutboxRelay(
            name="identity", engine=engine, bootstrap_servers=settings.kafka_bootstrap_servers).run(stop))
        try:
            yield
        finally:
            await app.state.login.drain()
            stop.set()
            await relay
            await engine.dispose()

    app = FastAPI(title="RevGen identity", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(InternalCredential, token=settings.identity_api_token.get_secret_value())
    app.mount("/metrics", make_asgi_app())
    return app
