"""The gateway in front of the real services (gateway_testing.running_system): one running
system per test module, a fresh world of tenants per test."""
import pytest

from gateway_testing import make_world, running_system
from revgen_common.testing.clock import FakeClock


@pytest.fixture(scope="module")
async def system(infra, all_topics, migrated_database):
    async with running_system(infra, migrated_database, FakeClock()) as running:
        yield running


@pytest.fixture
async def world(system):
    return await make_world(system)
