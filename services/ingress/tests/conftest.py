"""An ingress server on a free port, over a real broker and a fresh, migrated database."""
import asyncio
import contextlib
import time

import httpx
import pytest
import uvicorn

from ingress.bootstrap import create_app
from ingress.migrate import upgrade
from ingress.settings import IngressSettings
from revgen_common.topics import ALL_TOPICS, ensure_topics
from revgen_devstack import free_port
from revgen_devstack.testing import create_database

SECRETS = {
    "stripe_webhook_secret": "whsec_test_8d2f6a1c9e4b7d3f5a0c2e8b",
    "twilio_auth_token": "5e0c3a9f7b1d2e4c6a8f0b3d5e7c9a1f",
    "form_webhook_secret": "form-master-3c9e1a7f5b2d8c4e6a0f",
}


def settings_for(database_url: str, bootstrap: str, port: int, **overrides) -> IngressSettings:
    return IngressSettings(
        kafka_bootstrap_servers=bootstrap, ingress_database_url=database_url,
        public_base_url="https://hooks.revgen.example", port=port, **SECRETS, **overrides)


@contextlib.asynccontextmanager
async def serve(settings: IngressSettings):
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.port,
                                           log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            raise RuntimeError("ingress did not start") from task.exception() if task.done() else None
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.port}", timeout=20) as client:
            yield client
    finally:
        server.should_exit = True
        await task


@pytest.fixture(scope="session")
async def topics_ready(infra):
    await ensure_topics(infra.bootstrap_servers, ALL_TOPICS)


@pytest.fixture
async def ingress_db(infra):
    url = await create_database(infra, prefix="ingress")
    await asyncio.to_thread(upgrade, url)
    return url


@pytest.fixture
async def ingress(infra, topics_ready, ingress_db):
    settings = settings_for(ingress_db, infra.bootstrap_servers, free_port())
    async with serve(settings) as client:
        client.settings = settings
        yield client
