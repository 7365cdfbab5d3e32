"""Helpers for voice tests (on the test path): the running service, its read model fed
through Kafka, and calls placed by the Twilio voice fake."""
from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from datetime import time

import httpx
from sqlalchemy import text

from revgen_common.contracts.identity import ClientCreated, MemberAdded
from revgen_common.contracts.messaging import BusinessHoursSet, EscalationRequested
from revgen_common.envelope import Envelope
from revgen_common.testing.internal_api import TEST_API_HEADERS, TEST_API_TOKEN
from revgen_common.topics import IDENTITY_EVENTS, MESSAGING_EVENTS
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.elevenlabs import ElevenLabsState
from revgen_fakes.faults import FaultInjector
from revgen_fakes.openai import OpenAIState
from revgen_fakes.twilio import TwilioState, VoiceCalls
from revgen_testing.kafka_io import publish
from revgen_testing.running import eventually
from voice.adapters.elevenlabs_speech import ElevenLabsSpeech
from voice.bootstrap import create_app
from voice.settings import VoiceSettings

ELEVENLABS_KEY = "el-revgen-test-key"
OPENAI_KEY = "sk-revgen-voice-test"
UNREACHABLE_OPENAI = "http://127.0.0.1:9/v1"  # tests of the AI voice give the OpenAI fake's address
TWILIO_AUTH_TOKEN = "twilio-voice-test-token"
ACCOUNT_SID = "AC" + "7" * 32
ZONE = "America/New_York"
NINE_TO_FIVE = {day: [("09:00", "17:00")] for day in range(7)}
OPEN = time(10, 30)  # a wall-clock time inside NINE_TO_FIVE
CLOSED = time(20, 0)


@dataclass
class ElevenLabsFake:
    state: ElevenLabsState
    faults: FaultInjector
    url: str


@dataclass
class TwilioFake:
    state: TwilioState
    url: str


@dataclass
class OpenAIFake:
    state: OpenAIState
    url: str


@dataclass
class Client:
    client_id: str
    number: str
    team: list[MemberAdded]


@dataclass
class RunningVoice:
    api: httpx.AsyncClient  # with the internal credential
    base_url: str
    calls: VoiceCalls

    @property
    def incoming_url(self) -> str:
        return f"{self.base_url}/twilio/voice/incoming"


def settings_for(infra, engine, port: int, elevenlabs_url: str, **overrides) -> VoiceSettings:
    return VoiceSettings(kafka_bootstrap_servers=infra.bootstrap_servers, port=port,
                         voice_database_url=engine.url.render_as_string(hide_password=False),
                         voice_api_token=TEST_API_TOKEN, twilio_auth_token=TWILIO_AUTH_TOKEN,
                         elevenlabs_api_key=ELEVENLABS_KEY, elevenlabs_base_url=elevenlabs_url,
                         openai_api_key=OPENAI_KEY, public_base_url=f"http://127.0.0.1:{port}",
                         twilio_account_sid=ACCOUNT_SID,
                         **{"openai_base_url": UNREACHABLE_OPENAI, **overrides})


@contextlib.asynccontextmanager
async def running_voice(infra, engine, elevenlabs_url: str, clock, twilio_url: str = "https://api.twilio.com",
                        **overrides):
    port = free_port()
    settings = settings_for(infra, engine, port, elevenlabs_url, twilio_api_base=twilio_url, **overrides)
    speech = ElevenLabsSpeech(ELEVENLABS_KEY, elevenlabs_url, settings.elevenlabs_model, first_backoff=0.05)
    async with serve_app(create_app(settings, clock, speech), port, headers=TEST_API_HEADERS) as api:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=20) as twilio_side:
            yield RunningVoice(api, base, VoiceCalls(twilio_side, auth_token=TWILIO_AUTH_TOKEN, account_sid=ACCOUNT_SID,
                                                     status_callback_url=f"{base}/twilio/voice/status",
                                                     api_base=twilio_url))


async def known_client(infra, engine, team_size: int = 2, hours=NINE_TO_FIVE, name: str | None = None,
                       leads: dict[str, str] | None = None) -> Client:
    """A client with a number, business hours and a team (and its `name`, and `leads` it
    knows by name: phone → name), told to voice the way it learns them in production:
    messaging's and identity's events on Kafka."""
    client_id = f"client-{uuid.uuid4().hex[:8]}"
    number = f"+1555{uuid.uuid4().int % 10**7:07d}"
    team = [MemberAdded(client_id=client_id, person_id=f"p{i}-{uuid.uuid4().hex[:6]}", role="client_member",
                        name=f"Tech {i}", phone=f"+1666{uuid.uuid4().int % 10**7:07d}") for i in range(team_size)]
    named = [ClientCreated(client_id=client_id, agency_id="agency-1", name=name)] if name else []
    escalated = [EscalationRequested(request_id=f"r-{uuid.uuid4().hex[:8]}", client_id=client_id, lead_phone=phone,
                                     reason="lead asked for a person", lead_name=lead)
                 for phone, lead in (leads or {}).items()]
    await publish(infra.bootstrap_servers, MESSAGING_EVENTS.name, [Envelope.of(m, "messaging") for m in (
        BusinessHoursSet(client_id=client_id, timezone=ZONE, hours=hours, numbers=[number]), *escalated)])
    await publish(infra.bootstrap_servers, IDENTITY_EVENTS.name, [Envelope.of(m, "identity") for m in (*named, *team)])
    await eventually(lambda: _known(engine, client_id, team_size, len(named), len(escalated)), timeout=60)
    return Client(client_id, number, team)


async def _known(engine, client_id: str, size: int, names: int, leads: int) -> bool:
    counts = {f"SELECT count(*) FROM {table} WHERE client_id = :c": expected for table, expected in (
        ("team_members", size), ("client_numbers", 1), ("client_names", names), ("lead_names", leads))}
    async with engine.connect() as db:
        return all([await db.scalar(text(sql), {"c": client_id}) == expected for sql, expected in counts.items()])


async def rows(engine, sql: str, **params) -> list[dict]:
    async with engine.connect() as db:
        return [r._asdict() for r in await db.execute(text(sql), params)]


async def published(engine, type_: str) -> list[dict]:
    """Payloads of `type_` in the outbox, oldest first."""
    found = await rows(engine, "SELECT value FROM outbox WHERE topic = 'voice.events' ORDER BY id")
    return [json.loads(r["value"])["payload"] for r in found if json.loads(r["value"])["type"] == type_]
