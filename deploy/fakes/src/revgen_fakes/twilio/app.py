"""The Twilio fake's HTTP surface: the 2010-04-01 Messages and IncomingPhoneNumbers APIs and
a recording's audio (`Recordings/{sid}.mp3`), behind HTTP Basic auth."""
from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
from urllib.parse import parse_qsl

from fastapi import Depends, FastAPI, Request, Response
from starlette.exceptions import HTTPException

from revgen_fakes.request_log import RecordingFaultInjector, RecordRequests
from revgen_fakes.twilio.errors import TwilioApiError, error_body, error_response, not_found, release_refused, unauthenticated
from revgen_fakes.twilio.listing import message_page
from revgen_fakes.twilio.messages import API_VERSION
from revgen_fakes.twilio.numbers import number_page
from revgen_fakes.twilio.sending import new_outbound_message
from revgen_fakes.twilio.state import TwilioState
from revgen_fakes.twilio.voice_calls import fake_recording, is_recording_sid

ACCOUNT = f"/{API_VERSION}/Accounts/{{account_sid}}"


def _state(request: Request) -> TwilioState:
    return request.app.state.fake


def _authenticated_account(request: Request, account_sid: str) -> TwilioState:
    state = _state(request)
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthenticated() from None
    if scheme.lower() != "basic" or (username, password) != (state.account_sid, state.auth_token):
        raise unauthenticated()
    if account_sid != state.account_sid:
        raise not_found(request.url.path)
    return state


Account = Depends(_authenticated_account)


def create_app(state: TwilioState | None = None) -> FastAPI:
    state = state or TwilioState()

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        await state.aclose()  # stop callback tasks and their HTTP client with the server

    app = FastAPI(title="Twilio fake", lifespan=lifespan)
    app.state.fake = state
    app.add_middleware(RecordRequests, log=state.requests)

    @app.exception_handler(TwilioApiError)
    async def twilio_error(_request: Request, error: TwilioApiError):
        return error_response(error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        if error.status_code == 404:
            return error_response(not_found(request.url.path))
        return error_response(TwilioApiError(error.status_code, 20000 + error.status_code, str(error.detail)))

    @app.post(ACCOUNT + "/Messages.json", status_code=201)
    async def create_message(request: Request, account_sid: str, fake: TwilioState = Account):
        pairs = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        form: dict[str, str] = {}
        for name, value in pairs:
            form.setdefault(name, value)
        media_count = sum(1 for name, _ in pairs if name == "MediaUrl")
        if fake.latency:
            await asyncio.sleep(fake.latency)  # Twilio's own processing time, before it accepts
        message = new_outbound_message(account_sid, form, media_count, fake.is_unsubscribed, fake.now())
        created = message.to_json()  # as accepted, before its lifecycle moves it on
        fake.accept(message)
        return created

    @app.get(ACCOUNT + "/Messages.json")
    async def list_messages(request: Request, account_sid: str, fake: TwilioState = Account):
        return message_page(fake.messages, account_sid, request.query_params)

    @app.get(ACCOUNT + "/Messages/{sid}.json")
    async def fetch_message(request: Request, account_sid: str, sid: str, fake: TwilioState = Account):
        message = fake.message(sid)
        if message is None:
            raise not_found(request.url.path)
        return message.to_json()

    @app.get(ACCOUNT + "/Recordings/{sid}.mp3")
    async def recording_audio(request: Request, account_sid: str, sid: str, fake: TwilioState = Account):
        """A voicemail's audio, as `RecordingUrl` + `.mp3` serves it (every well-formed sid
        has audio here: the voice fake's calls are not kept in this state)."""
        if not is_recording_sid(sid):
            raise not_found(request.url.path)
        fake.recording_fetches.append(sid)
        return Response(fake_recording(sid), media_type="audio/mpeg")

    @app.get(ACCOUNT + "/IncomingPhoneNumbers.json")
    async def list_numbers(request: Request, account_sid: str, fake: TwilioState = Account):
        return number_page(fake.numbers, account_sid, request.query_params.get("PhoneNumber"))

    @app.delete(ACCOUNT + "/IncomingPhoneNumbers/{sid}.json", status_code=204)
    async def release_number(request: Request, account_sid: str, sid: str, fake: TwilioState = Account):
        number = next((n for n in fake.numbers if n.sid == sid), None)
        if number is None:
            raise not_found(request.url.path)
        if number.phone_number in fake.emergency_addresses:
            raise release_refused(number.phone_number)
        fake.numbers.remove(number)
        return Response(status_code=204)

    return app


def faulty_app(state: TwilioState | None = None) -> RecordingFaultInjector:
    """The fake behind a FaultInjector answering in Twilio's error format; requests a fault
    answers are still counted in `state.requests`."""
    state = state or TwilioState()
    return RecordingFaultInjector(create_app(state), error_body, state.requests)
