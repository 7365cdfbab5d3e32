"""Escalation over a fresh, migrated database."""
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from escalation.bootstrap import build
from escalation.migrate import upgrade_database
from escalation_testing import CLAIM_BASE


@pytest.fixture
async def escalation_engine(migrated_database):
    url = await migrated_database("escalation", upgrade_database)
    engine = create_async_engine(url, pool_size=25, max_overflow=25)
    yield engine
    await engine.dispose()


@pytest.fixture
def escalation(escalation_engine, clock):
    return build(escalation_engine, CLAIM_BASE, timedelta(minutes=5), clock)


@pytest.fixture
def escalations(escalation):
    return escalation.escalations


@pytest.fixture
def claims(escalation):
    return escalation.claims


@pytest.fixture
def roster(escalation):
    return escalation.roster
