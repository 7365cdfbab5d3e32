"""Identity over a fresh, migrated database and the session's real broker."""
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from identity.migrate import upgrade_database
from identity.service_layer.agency_team import AgencyTeam
from identity.service_layer.login import Login
from identity.service_layer.tenants import Tenants
from identity_testing import PEPPER, serve, settings_for
from revgen_devstack import free_port


@pytest.fixture
async def identity_db(migrated_database):
    return await migrated_database("identity", upgrade_database)


@pytest.fixture
async def identity_engine(identity_db):
    engine = create_async_engine(identity_db, pool_size=30, max_overflow=30)
    yield engine
    await engine.dispose()


@pytest.fixture
def login(identity_engine, clock):
    return Login(identity_engine, PEPPER.encode(), timedelta(minutes=60), clock)


@pytest.fixture
def tenants(identity_engine, clock):
    return Tenants(identity_engine, clock)


@pytest.fixture
def agency_team(identity_engine, clock):
    return AgencyTeam(identity_engine, clock)


@pytest.fixture
async def api(infra, all_topics, identity_db, clock):
    """The whole service on a port (API, outbox relay, consumer); yields an HTTP client for it."""
    settings = settings_for(identity_db, infra.bootstrap_servers, free_port())
    async with serve(settings, clock) as client:
        yield client
