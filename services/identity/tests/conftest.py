"""Identity over a fresh, migrated database and the session's real broker."""
import asyncio

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from identity.migrate import upgrade_database
from identity.service_layer.login import Login
from identity.service_layer.tenants import Tenants
from identity_testing import PEPPER, FakeClock
from revgen_common.topics import ALL_TOPICS, ensure_topics
from revgen_devstack.testing import create_database


@pytest.fixture(scope="session")
async def identity_topics(infra):
    await ensure_topics(infra.bootstrap_servers, ALL_TOPICS)


@pytest.fixture
async def identity_db(infra):
    url = await create_database(infra, prefix="identity")
    await asyncio.to_thread(upgrade_database, url)
    return url


@pytest.fixture
async def identity_engine(identity_db):
    engine = create_async_engine(identity_db, pool_size=30, max_overflow=30)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def login(identity_engine, clock):
    from datetime import timedelta

    return Login(identity_engine, PEPPER.encode(), timedelta(minutes=60), clock)


@pytest.fixture
def tenants(identity_engine):
    return Tenants(identity_engine)
