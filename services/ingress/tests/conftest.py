"""An ingress server on a free port, over a real broker and a fresh, migrated database."""
import asyncio

import pytest

from ingress.migrate import upgrade_database as upgrade
from ingress_testing import serve, settings_for
from revgen_common.topics import ALL_TOPICS, ensure_topics
from revgen_devstack import free_port
from revgen_devstack.testing import create_database


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
