"""The ElevenLabs fake's HTTP surface and state."""
from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from revgen_fakes.request_log import RecordingFaultInjector, RecordRequests, RequestLog

_ERRORS = {
    429: ("too_many_concurrent_requests", "You have too many concurrent requests. Please wait for one to finish."),
    500: ("internal_server_error", "An internal server error occurred."),
    502: ("bad_gateway", "Bad gateway."),
    503: ("service_unavailable", "The service is temporarily unavailable."),
}


@dataclass
class ElevenLabsState:
    api_keys: set[str] = field(default_factory=lambda: {"el-test-key"})
    latency: float = 0.0
    requests: RequestLog = field(default_factory=RequestLog)
    syntheses: list[tuple[str, str]] = field(default_factory=list)  # (voice id, text) of each answered request


def fake_audio(voice_id: str, text: str) -> bytes:
    """What the fake 'speaks': an ID3-tagged MP3 frame header and bytes derived from the
    voice and the text, so a test can tell which greeting it was given."""
    digest = hashlib.sha256(f"{voice_id}\n{text}".encode()).digest()
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + digest * 16


def error_body(status: int) -> tuple[dict, dict]:
    name, message = _ERRORS.get(status, ("error", "Request failed."))
    return {"detail": {"status": name, "message": message}}, {}


def _refusal(status: int, name: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": {"status": name, "message": message}}, status_code=status)


def create_app(state: ElevenLabsState | None = None) -> FastAPI:
    state = state or ElevenLabsState()
    app = FastAPI(title="ElevenLabs fake")
    app.state.fake = state
    app.add_middleware(RecordRequests, log=state.requests)

    async def text_to_speech(request: Request, voice_id: str) -> Response:
        key = request.headers.get("xi-api-key")
        if not key:
            return _refusal(401, "needs_authorization", "Neither authorization header nor xi-api-key received.")
        if key not in state.api_keys:
            return _refusal(401, "invalid_api_key", "Invalid API key")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"detail": [{"loc": ["body"], "msg": "invalid JSON", "type": "value_error"}]},
                                status_code=422)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text:
            return JSONResponse({"detail": [{"loc": ["body", "text"], "msg": "field required",
                                             "type": "value_error.missing"}]}, status_code=422)
        if state.latency:
            await asyncio.sleep(state.latency)
        state.syntheses.append((voice_id, text))
        return Response(fake_audio(voice_id, text), media_type="audio/mpeg",
                        headers={"request-id": uuid.uuid4().hex, "character-cost": str(len(text))})

    app.add_api_route("/v1/text-to-speech/{voice_id}", text_to_speech, methods=["POST"])
    app.add_api_route("/v1/text-to-speech/{voice_id}/stream", text_to_speech, methods=["POST"])
    return app


def faulty_app(state: ElevenLabsState | None = None) -> RecordingFaultInjector:
    """The fake behind a FaultInjector answering in ElevenLabs' error format."""
    state = state or ElevenLabsState()
    return RecordingFaultInjector(create_app(state), error_body, state.requests)
