"""Twilio's voice webhooks: each verified with the official RequestValidator over the exact
public URL Twilio called (PUBLIC_BASE_URL + path + query) before anything is read or
written (`Verified` is each route's first dependency: it refuses before the others are
looked up). A forged or unsigned one gets 403 and leaves nothing behind; a malformed one
400. Answers are TwiML (application/xml)."""
from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator

from voice.domain import twiml
from voice.service_layer.ai_voice import AiVoice
from voice.service_layer.calls import Calls, MissingParameter

MAX_BODY_BYTES = 64 * 1024  # a voice webhook is a few hundred bytes of form parameters

router = APIRouter(prefix="/twilio/voice", include_in_schema=False)


@dataclass(frozen=True)
class TwilioSignature:
    """What Twilio signs a webhook over: the public URL it called, with the account's auth token."""
    public_base_url: str
    auth_token: str

    def matches(self, request: Request, params: dict[str, str]) -> bool:
        signature = request.headers.get("x-twilio-signature")
        url = self.public_base_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return bool(signature) and RequestValidator(self.auth_token).validate(url, params, signature)


class Refusal(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


async def twilio_signature(request: Request) -> TwilioSignature:
    return request.app.state.twilio_signature


async def verified(request: Request, signature: Annotated[TwilioSignature, Depends(twilio_signature)]) -> dict[str, str]:
    """The webhook's form parameters, once Twilio's signature over them matches."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        raise Refusal(413, "body too large")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise Refusal(413, "body too large")
    try:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body)))
    except (UnicodeDecodeError, ValueError):
        raise Refusal(400, "body is not a form") from None
    if not signature.matches(request, params):
        raise Refusal(403, "Twilio signature is missing or does not match")
    return params


async def calls(request: Request) -> Calls:
    return request.app.state.calls


async def ai_voice(request: Request) -> AiVoice:
    return request.app.state.ai_voice


Verified = Annotated[dict[str, str], Depends(verified)]
CallsDep = Annotated[Calls, Depends(calls)]
AiVoiceDep = Annotated[AiVoice, Depends(ai_voice)]


async def _answer(use_case: Awaitable[str | None]) -> Response:
    try:
        result = await use_case
    except MissingParameter as error:
        return PlainTextResponse(str(error), status_code=400)
    return Response(result if isinstance(result, str) else twiml.empty(), media_type="application/xml")


@router.post("/incoming")
async def incoming(params: Verified, calls: CallsDep) -> Response:
    """A call to one of our clients' numbers (the number's Voice URL)."""
    return await _answer(calls.incoming(params))


@router.post("/member-answered")
async def member_answered(params: Verified, calls: CallsDep, member: str | None = None) -> Response:
    """A rung phone was picked up (<Number url>): does it take the call?"""
    return await _answer(calls.member_answered(params, member))


@router.post("/dial-ended")
async def dial_ended(params: Verified, calls: CallsDep) -> Response:
    """The <Dial> action: what the caller hears after the ringing."""
    return await _answer(calls.dial_ended(params))


@router.post("/ai-heard")
async def ai_heard(params: Verified, ai_voice: AiVoiceDep) -> Response:
    """The AI voice's <Gather> action: what the caller said; the answer, then voicemail."""
    return await _answer(ai_voice.heard(params))


@router.post("/recorded")
async def recorded(params: Verified) -> Response:
    """The <Record> action: the caller finished the message; nothing more to say."""
    return await _answer(_hang_up())


@router.post("/status")
async def status(params: Verified, calls: CallsDep) -> Response:
    """The call's status callback (the number's Status Callback URL)."""
    return await _answer(calls.status_changed(params))


@router.post("/recording")
async def recording(params: Verified, calls: CallsDep) -> Response:
    """The recording status callback: the voicemail is ready."""
    return await _answer(calls.recorded(params))


async def _hang_up() -> str:
    return twiml.hang_up()


def install_error_handlers(app: FastAPI) -> None:
    """A refused webhook is answered in plain text with its status; nothing was read or written."""
    async def refused(request: Request, refusal: Exception) -> Response:
        assert isinstance(refusal, Refusal)
        return PlainTextResponse(str(refusal), status_code=refusal.status)
    app.add_exception_handler(Refusal, refused)
