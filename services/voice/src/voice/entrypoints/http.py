"""Voice's internal API (through the gateway): a client's voice settings and its recent
calls; and the greeting audio, public, for Twilio's <Play>."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import Response
from pydantic import Field

from revgen_common.api_dependencies import DbConnection
from revgen_common.api_errors import INPUT_ERRORS, documented, error_response, install_error_handling
from revgen_common.api_input import InputModel, Line, Text
from revgen_common.api_output import OutputModel
from revgen_common.phones import E164
from voice.adapters import calls_table
from voice.domain.answering import DEFAULT_RING_SECONDS, DEFAULT_VOICE
from voice.service_layer.greetings import Greetings
from voice.service_layer.voice_settings import VoiceSettingsStore

router = APIRouter(responses=INPUT_ERRORS)
ClientId = Annotated[str, Line(100)]


async def voice_settings(request: Request) -> VoiceSettingsStore:
    return request.app.state.voice_settings


async def greetings(request: Request) -> Greetings:
    return request.app.state.greetings


SettingsDep = Annotated[VoiceSettingsStore, Depends(voice_settings)]
GreetingsDep = Annotated[Greetings, Depends(greetings)]


class VoiceSettingsIn(InputModel):
    business_phone: E164 | None = None  # rung with the team in business hours
    greeting: Annotated[str, Text(1000, min_length=1)]
    voice_id: Annotated[str, Line(100)] = DEFAULT_VOICE  # an ElevenLabs voice
    mode: Literal["voicemail", "ai"] = "voicemail"  # after the greeting: voicemail, or the AI voice then voicemail
    ring_seconds: Annotated[int, Field(strict=True, ge=5, le=60)] = DEFAULT_RING_SECONDS


class VoiceSettings(OutputModel):
    client_id: str
    business_phone: str | None
    greeting: str
    voice_id: str
    mode: Literal["voicemail", "ai"]
    ring_seconds: int


class Call(OutputModel):
    call_sid: str
    lead_phone: str
    client_number: str
    route: str
    status: str
    answered_by: str | None
    answered_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int | None
    ai_heard: str | None = Field(description="what the caller asked the AI voice")
    ai_answer: str | None
    created_at: datetime
    voicemail_seconds: int | None = Field(description="when a message was left")
    voicemail_kept: bool = Field(description="its audio is kept here")


class Calls(OutputModel):
    data: list[Call]


# The audio's own type, not JSON (both are MP3s: Twilio's `.mp3` and ElevenLabs' mp3_44100_128).
AUDIO: dict[int | str, dict[str, Any]] = {
    200: {"description": "the audio", "content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}}}


class NoSettings(LookupError):
    pass


@router.put("/clients/{client_id}/voice-settings", response_model=VoiceSettings)
async def put_settings(client_id: ClientId, body: VoiceSettingsIn, store: SettingsDep):
    """Replace the client's voice settings; the greeting is synthesised in the background."""
    settings = body.model_dump()
    await store.save(client_id, settings)
    return {"client_id": client_id, **settings}


@router.get("/clients/{client_id}/voice-settings", response_model=VoiceSettings, responses=documented(404))
async def get_settings(client_id: ClientId, store: SettingsDep):
    settings = await store.get(client_id)
    if settings is None:
        raise NoSettings(client_id)
    return {"client_id": client_id, **settings}


@router.get("/clients/{client_id}/calls", response_model=Calls)
async def recent_calls(client_id: ClientId, db: DbConnection, limit: Annotated[int, Query(ge=1, le=100)] = 50):
    """The client's latest calls, newest first: route, status, who answered."""
    return {"data": await calls_table.recent_calls(db, client_id, limit)}


@router.get("/clients/{client_id}/calls/{call_sid}/recording", response_class=Response,
            responses={**AUDIO, **documented(404)})
async def voicemail(client_id: ClientId, call_sid: Annotated[str, Path(pattern=r"^CA[0-9a-f]{32}$")],
                    db: DbConnection) -> Response:
    """The call's voicemail audio, kept here (404 while there is none, or not yet fetched)."""
    found = await calls_table.voicemail_audio(db, client_id, call_sid)
    if found is None:
        raise NoSettings(call_sid)
    content_type, audio = found
    return Response(audio, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/greetings/{greeting_id}", response_class=Response, responses={**AUDIO, **documented(404)})
async def greeting_audio(greeting_id: uuid.UUID, greetings: GreetingsDep) -> Response:
    """A synthesised greeting (public: Twilio fetches it for <Play>; ids are unguessable)."""
    found = await greetings.audio(greeting_id)
    if found is None:
        raise NoSettings(str(greeting_id))
    content_type, audio = found
    return Response(audio, media_type=content_type, headers={"Cache-Control": "public, max-age=86400"})


def install_error_handlers(app: FastAPI) -> None:
    install_error_handling(app, {NoSettings: lambda e: error_response(404, "not found")})
