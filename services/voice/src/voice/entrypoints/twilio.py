"""Twilio's voice webhooks: each verified with the official RequestValidator over the exact
public URL Twilio called (PUBLIC_BASE_URL + path + query) before anything is read or
written. A forged or unsigned one gets 403 and leaves nothing behind; a malformed one 400.
Answers are TwiML (application/xml)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
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


async def twilio_signature(request: Request) -> TwilioSignature:
    return request.app.state.twilio_signature


async def calls(request: Request) -> Calls:
    return request.app.state.calls


async def ai_voice(request: Request) -> AiVoice:
    return request.app.state.ai_voice


Signature = Annotated[TwilioSignature, Depends(twilio_signature)]
CallsDep = Annotated[Calls, Depends(calls)]
AiVoiceDep = Annotated[AiVoice, Depends(ai_voice)]


class Refusal(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


async def _verified(request: Request, signature: TwilioSignature) -> dict[str, str]:
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


def _twiml(document: str) -> Response:
    return Response(document, media_type="application/xml")


async def _answer(request: Request, signature: TwilioSignature,
                  use_case: Callable[[dict[str, str]], Awaitable[str | None]]) -> Response:
    """Verified first: the use case runs only for a webhook Twilio signed."""
    try:
        params = await _verified(request, signature)
        result = await use_case(params)
    except Refusal as refusal:
        return PlainTextResponse(str(refusal), status_code=refusal.status)
    except MissingParameter as error:
        return PlainTextResponse(str(error), status_code=400)
    return _twiml(result if isinstance(result, str) else twiml.empty())


@router.post("/incoming")
async def incoming(request: Request, signature: Signature, calls: CallsDep) -> Response:
    """A call to one of our clients' numbers (the number's Voice URL)."""
    return await _answer(request, signature, calls.incoming)


@router.post("/member-answered")
async def member_answered(request: Request, signature: Signature, calls: CallsDep, member: str | None = None) -> Response:
    """A rung phone was picked up (<Number url>): does it take the call?"""
    return await _answer(request, signature, lambda params: calls.member_answered(params, member))


@router.post("/dial-ended")
async def dial_ended(request: Request, signature: Signature, calls: CallsDep) -> Response:
    """The <Dial> action: what the caller hears after the ringing."""
    return await _answer(request, signature, calls.dial_ended)


@router.post("/ai-heard")
async def ai_heard(request: Request, signature: Signature, ai_voice: AiVoiceDep) -> Response:
    """The AI voice's <Gather> action: what the caller said; the answer, then voicemail."""
    return await _answer(request, signature, ai_voice.heard)


@router.post("/recorded")
async def recorded(request: Request, signature: Signature) -> Response:
    """The <Record> action: the caller finished the message; nothing more to say."""
    return await _answer(request, signature, _hang_up)


@router.post("/status")
async def status(request: Request, signature: Signature, calls: CallsDep) -> Response:
    """The call's status callback (the number's Status Callback URL)."""
    return await _answer(request, signature, calls.status_changed)


@router.post("/recording")
async def recording(request: Request, signature: Signature, calls: CallsDep) -> Response:
    """The recording status callback: the voicemail is ready."""
    return await _answer(request, signature, calls.recorded)


async def _hang_up(_params: dict[str, str]) -> str:
    return twiml.hang_up()
