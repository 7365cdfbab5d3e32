"""Reputation over a fresh, migrated database, with the Google, Facebook and OpenAI fakes
behind fault injectors."""
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from reputation.migrate import upgrade_database
from reputation_testing import GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, OPENAI_KEY, Fake
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes import facebook as facebook_fake
from revgen_fakes import google as google_fake
from revgen_fakes import openai as openai_fake


@pytest.fixture
async def reputation_engine(migrated_database):
    url = await migrated_database("reputation", upgrade_database)
    engine = create_async_engine(url, pool_size=10, max_overflow=10)
    yield engine
    await engine.dispose()


async def _serve(state, injector, path: str = ""):
    port = free_port()
    async with serve_app(injector, port):
        yield Fake(state, injector, f"http://127.0.0.1:{port}{path}")


@pytest.fixture
async def google():
    state = google_fake.GoogleState(client_id=GOOGLE_CLIENT_ID, client_secret=GOOGLE_CLIENT_SECRET)
    async for fake in _serve(state, google_fake.faulty_app(state)):
        yield fake


@pytest.fixture
async def facebook():
    state = facebook_fake.FacebookState()
    async for fake in _serve(state, facebook_fake.faulty_app(state)):
        yield fake


@pytest.fixture
async def openai():
    state = openai_fake.OpenAIState(api_keys={OPENAI_KEY})
    async for fake in _serve(state, openai_fake.faulty_app(state), "/v1"):
        yield fake
