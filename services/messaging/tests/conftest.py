"""Messaging over a fresh, migrated database, with Twilio, OpenAI and Resend fakes behind fault injectors."""
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from messaging.adapters.ai_responder import AIResponder
from messaging.adapters.resend_sender import ResendSender
from messaging.adapters.twilio_sender import TwilioSender
from messaging.bootstrap import build
from messaging.domain.fair_share import FairShare
from messaging.domain.pacing import Pacer
from messaging.migrate import upgrade_database
from messaging_testing import EMAIL_FROM, OPENAI_KEY, PLATFORM_NUMBER, RESEND_KEY, Fake, Ticks
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes import openai as openai_fake
from revgen_fakes import resend as resend_fake
from revgen_fakes import twilio as twilio_fake


@pytest.fixture
async def messaging_engine(migrated_database):
    url = await migrated_database("messaging", upgrade_database)
    engine = create_async_engine(url, pool_size=20, max_overflow=20)
    yield engine
    await engine.dispose()


@pytest.fixture
async def twilio(clock):
    state = twilio_fake.TwilioState(clock=clock)  # Twilio's timestamps agree with ours, whatever the date
    injector = twilio_fake.faulty_app(state)
    port = free_port()
    async with serve_app(injector, port):
        yield Fake(state, injector, f"http://127.0.0.1:{port}")
    await state.aclose()


@pytest.fixture
async def openai():
    state = openai_fake.OpenAIState(api_keys={OPENAI_KEY})
    injector = openai_fake.faulty_app(state)
    port = free_port()
    async with serve_app(injector, port):
        yield Fake(state, injector, f"http://127.0.0.1:{port}/v1")


@pytest.fixture
async def messaging(messaging_engine, twilio, openai, clock):
    sender = TwilioSender(twilio.state.account_sid, twilio.state.auth_token, twilio.url,
                          "https://ingress.revgen.example/webhooks/twilio/status", Pacer(1000, 1000), timeout=2.0)
    ai = AIResponder(OPENAI_KEY, openai.url, FairShare(8))
    yield build(messaging_engine, sender, ai, PLATFORM_NUMBER, clock)
    await sender.close()
    await ai.close()


@pytest.fixture
async def resend():
    state = resend_fake.ResendState(api_keys={RESEND_KEY}, requests_per_second=1000)
    injector = resend_fake.faulty_app(state)
    port = free_port()
    async with serve_app(injector, port):
        yield Fake(state, injector, f"http://127.0.0.1:{port}")


@pytest.fixture
def ticks():
    """The e-mail pacer's monotonic clock, moved by the test."""
    return Ticks()


@pytest.fixture
async def emailing(messaging_engine, twilio, openai, resend, clock, ticks):
    """Messaging with its e-mail sender, paced at Resend's default 2/s on `ticks`."""
    sender = TwilioSender(twilio.state.account_sid, twilio.state.auth_token, twilio.url, None, Pacer(1000, 1000))
    ai = AIResponder(OPENAI_KEY, openai.url, FairShare(8))
    email = ResendSender(RESEND_KEY, resend.url, EMAIL_FROM, Pacer(2, 2, clock=ticks), timeout=2.0)
    yield build(messaging_engine, sender, ai, PLATFORM_NUMBER, clock, resend=email)
    for close in (sender.close, ai.close, email.close):
        await close()
