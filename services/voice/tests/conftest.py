"""Voice over a fresh, migrated database, with the ElevenLabs fake behind a fault injector
(and the OpenAI fake, for the AI voice's tests)."""
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes import elevenlabs as elevenlabs_fake
from revgen_fakes import openai as openai_fake
from revgen_fakes import twilio as twilio_fake
from voice.migrate import upgrade_database
from voice_testing import ACCOUNT_SID, ELEVENLABS_KEY, OPENAI_KEY, TWILIO_AUTH_TOKEN, ElevenLabsFake, OpenAIFake, TwilioFake


@pytest.fixture
async def voice_engine(migrated_database):
    url = await migrated_database("voice", upgrade_database)
    engine = create_async_engine(url, pool_size=10, max_overflow=10)
    yield engine
    await engine.dispose()


@pytest.fixture
async def elevenlabs():
    state = elevenlabs_fake.ElevenLabsState(api_keys={ELEVENLABS_KEY})
    injector = elevenlabs_fake.faulty_app(state)
    port = free_port()
    async with serve_app(injector, port):
        yield ElevenLabsFake(state, injector, f"http://127.0.0.1:{port}")


@pytest.fixture
async def openai():
    state = openai_fake.OpenAIState(api_keys={OPENAI_KEY})
    port = free_port()
    async with serve_app(openai_fake.create_app(state), port):
        yield OpenAIFake(state, f"http://127.0.0.1:{port}/v1")


@pytest.fixture
async def twilio():
    """Twilio's REST side: the voicemail audio voice fetches."""
    state = twilio_fake.TwilioState(account_sid=ACCOUNT_SID, auth_token=TWILIO_AUTH_TOKEN)
    port = free_port()
    async with serve_app(twilio_fake.faulty_app(state), port):
        yield TwilioFake(state, f"http://127.0.0.1:{port}")
