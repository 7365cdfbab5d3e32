"""An ingress server on a free port, over a real broker and a fresh, migrated database."""
import pytest

from ingress.migrate import upgrade_database
from ingress_testing import serve, settings_for
from revgen_devstack import free_port


@pytest.fixture
async def ingress_db(migrated_database):
    return await migrated_database("ingress", upgrade_database)


@pytest.fixture
async def ingress(infra, all_topics, ingress_db):
    settings = settings_for(ingress_db, infra.bootstrap_servers, free_port())
    async with serve(settings) as client:
        client.settings = settings
        yield client
