"""The composition root: the Twilio webhooks and the internal API, the read model's
consumer and the outbox relay, in one process over one database. The answering process
keeps its own read model, so a call is answered from one local transaction (ADR 0015)."""
from __future__ import annotations

import contextlib

from fastapi import FastAPI

from revgen_common import ExactlyOnceConsumer
from revgen_common.clock import Clock, system_clock
from revgen_common.db import create_engine
from revgen_common.service import running_service, service_app
from revgen_common.topics import VOICE_GROUP
from voice.adapters.elevenlabs_speech import ElevenLabsSpeech
from voice.adapters.phone_assistant import PhoneAssistant
from voice.adapters.twilio_recordings import TwilioRecordings
from voice.entrypoints import http, twilio
from voice.handlers import handlers
from voice.service_layer.ai_voice import AiVoice
from voice.service_layer.calls import Calls
from voice.service_layer.greetings import Greetings
from voice.service_layer.recordings import SWEEP_SECONDS, Recordings
from voice.service_layer.voice_settings import VoiceSettingsStore
from voice.settings import VoiceSettings

PUBLIC_PATHS = ("/twilio", "/greetings")  # Twilio's: signed webhooks, and the audio it fetches


def create_app(settings: VoiceSettings, clock: Clock = system_clock,
               speech: ElevenLabsSpeech | None = None) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.voice_database_url)
        async with running_service("voice", engine, settings.kafka_bootstrap_servers) as runtime:
            greetings = Greetings(engine, speech or ElevenLabsSpeech(
                settings.elevenlabs_api_key.get_secret_value(), settings.elevenlabs_base_url,
                settings.elevenlabs_model), clock)
            runtime.close_on_stop(greetings.aclose)
            app.state.engine = engine
            app.state.greetings = greetings
            recordings = Recordings(engine, TwilioRecordings(
                settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                str(settings.twilio_api_base)), clock)
            runtime.close_on_stop(recordings.aclose)
            runtime.every(SWEEP_SECONDS, recordings.sweep)
            app.state.calls = Calls(engine, greetings, public_base_url, clock, recordings)
            assistant = PhoneAssistant(settings.openai_api_key.get_secret_value(), str(settings.openai_base_url),
                                       settings.openai_model)
            runtime.close_on_stop(assistant.aclose)
            app.state.ai_voice = AiVoice(engine, assistant, app.state.calls.urls, settings.ai_answer_seconds, clock)
            app.state.voice_settings = VoiceSettingsStore(engine, greetings)
            runtime.start(ExactlyOnceConsumer(name=VOICE_GROUP.name, topics=VOICE_GROUP.topics, handlers=handlers(),
                                              engine=engine, bootstrap_servers=settings.kafka_bootstrap_servers,
                                              clock=clock,
                                              group_instance_id=runtime.slot.instance_id(VOICE_GROUP.name)).run)
            yield

    public_base_url = str(settings.public_base_url).rstrip("/")
    app = service_app("voice", lifespan, [twilio.router, http.router], _install_error_handlers,
                      settings.voice_api_token, public_paths=PUBLIC_PATHS)
    # What Twilio signs: known before any request.
    app.state.twilio_signature = twilio.TwilioSignature(public_base_url, settings.twilio_auth_token.get_secret_value())
    return app


def _install_error_handlers(app: FastAPI) -> None:
    http.install_error_handlers(app)
    twilio.install_error_handlers(app)
