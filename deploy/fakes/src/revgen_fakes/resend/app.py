"""The Resend fake's HTTP surface: POST /emails and GET /emails/{id} behind Bearer auth, with
Resend's idempotency keys and its per-team rate limit, and GET /_fake/emails (what a local
run has sent: read a login code there)."""
from __future__ import annotations

import hashlib
import json
import math
import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from revgen_fakes.request_log import RecordingFaultInjector, RecordRequests
from revgen_fakes.resend.errors import ResendApiError, error_body, error_response
from revgen_fakes.resend.state import Remembered, ResendState

MAX_RECIPIENTS = 50
MAX_IDEMPOTENCY_KEY = 256
# RFC 5322's dot-atom, as Resend checks it: no leading, trailing or doubled dot; a domain of labels.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDRESS = re.compile(rf"^(?:[^<>]*<)?({_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)>?$")
_INVALID_TO = ("Invalid `to` field. The email address needs to follow the `email@example.com` or "
               "`Name <email@example.com>` format.")


def _api_key(request: Request, state: ResendState) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise ResendApiError(401, "missing_api_key", "Missing API key in the authorization header.")
    if key not in state.api_keys:
        raise ResendApiError(403, "invalid_api_key", "API key is invalid")
    return key


def _within_rate(key: str, state: ResendState) -> dict[str, str]:
    """The rate-limit headers every answer carries; a 429 once the second's budget is spent."""
    limit = max(1, int(state.requests_per_second))
    wait = state.take_request(key)
    if wait > 0:
        seconds = str(max(1, math.ceil(wait)))
        raise ResendApiError(429, "rate_limit_exceeded", error_body(429)[0]["message"], {
            "ratelimit-limit": str(limit), "ratelimit-remaining": "0", "ratelimit-reset": seconds,
            "retry-after": seconds})
    return {"ratelimit-limit": str(limit), "ratelimit-remaining": str(state.remaining(key)), "ratelimit-reset": "1"}


def _validated(raw: bytes) -> dict:
    try:
        body = json.loads(raw)
    except ValueError:
        raise ResendApiError(422, "validation_error", "Invalid JSON body.") from None
    if not isinstance(body, dict):
        raise ResendApiError(422, "validation_error", "The request body must be a JSON object.")
    for name in ("from", "to", "subject"):
        if not body.get(name):
            raise ResendApiError(422, "missing_required_field", f"Missing `{name}` field.")
    if not body.get("text") and not body.get("html"):
        raise ResendApiError(422, "missing_required_field", "Missing `html` or `text` field.")
    to = body["to"] if isinstance(body["to"], list) else [body["to"]]
    if len(to) > MAX_RECIPIENTS:
        raise ResendApiError(422, "validation_error", f"Too many recipients: at most {MAX_RECIPIENTS}.")
    if not all(isinstance(a, str) and _ADDRESS.match(a.strip()) for a in to):
        raise ResendApiError(422, "validation_error", _INVALID_TO)
    if not isinstance(body["subject"], str) or not isinstance(body["from"], str):
        raise ResendApiError(422, "validation_error", "`from` and `subject` must be strings.")
    return body


def create_app(state: ResendState | None = None) -> FastAPI:
    state = state or ResendState()
    app = FastAPI(title="Resend fake")
    app.state.fake = state
    app.add_middleware(RecordRequests, log=state.requests)

    @app.exception_handler(ResendApiError)
    async def resend_error(_request: Request, error: ResendApiError):
        return error_response(error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        if error.status_code == 405:
            return error_response(ResendApiError(405, "method_not_allowed", "Method not allowed"))
        return error_response(ResendApiError(404, "not_found", "The requested endpoint does not exist."))

    @app.post("/emails")
    async def send_email(request: Request):
        key = _api_key(request, state)
        headers = _within_rate(key, state)
        idempotency_key = request.headers.get("idempotency-key")
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise ResendApiError(400, "invalid_idempotency_key",
                                 f"The key must be between 1-{MAX_IDEMPOTENCY_KEY} characters.")
        raw = await request.body()
        body = _validated(raw)
        if idempotency_key is None:
            return JSONResponse({"id": state.accept(key, body, None).id}, headers=headers)
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        seen = state.idempotency.get((key, idempotency_key))
        if seen is not None:
            if seen.fingerprint != fingerprint:
                raise ResendApiError(409, "invalid_idempotent_request",
                                     "Same idempotency key used with a different request payload. Change your "
                                     "idempotency key or payload.")
            return JSONResponse(seen.body, seen.status, headers=headers)  # the first answer, nothing sent again
        answer = {"id": state.accept(key, body, idempotency_key).id}
        state.idempotency[(key, idempotency_key)] = Remembered(fingerprint, 200, answer)
        return JSONResponse(answer, headers=headers)

    @app.get("/emails/{email_id}")
    async def get_email(email_id: str, request: Request):
        _api_key(request, state)
        email = state.find(email_id)
        if email is None:
            raise ResendApiError(404, "not_found", "Email not found")
        return email.as_resource()

    @app.get("/_fake/emails")
    async def sent_emails(to: str | None = None):
        """What the fake accepted, newest first (`?to=` one recipient's): a local run's login codes."""
        emails = state.sent_to(to) if to else state.emails
        return {"data": [e.as_resource() for e in reversed(emails)]}

    return app


def faulty_app(state: ResendState | None = None) -> RecordingFaultInjector:
    """The fake behind a FaultInjector answering in Resend's error format; requests a fault
    answers are still counted in `state.requests`."""
    state = state or ResendState()
    return RecordingFaultInjector(create_app(state), error_body, state.requests)
