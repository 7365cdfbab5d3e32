"""The OpenAI fake's HTTP surface: POST /v1/chat/completions behind Bearer auth."""
from __future__ import annotations

import asyncio
import inspect
import json
import time
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from revgen_fakes.openai.completions import chat_completion, validate
from revgen_fakes.openai.errors import RATE_LIMITS, OpenAIApiError, error_body, error_response, rate_limit_headers
from revgen_fakes.openai.state import CompletionRequest, OpenAIState
from revgen_fakes.request_log import RecordingFaultInjector, RecordRequests


def _api_key(request: Request, state: OpenAIState) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise OpenAIApiError(401, "You didn't provide an API key. Send it as an Authorization header using "
                                  "Bearer auth (Authorization: Bearer YOUR_KEY).")
    if key not in state.api_keys:
        masked = key[:3] + "*" * max(len(key) - 7, 0) + key[-4:] if len(key) > 7 else "*" * len(key)
        raise OpenAIApiError(401, f"Incorrect API key provided: {masked}. You can find your API key at "
                                  "https://platform.openai.com/account/api-keys.", code="invalid_api_key")
    return key


def create_app(state: OpenAIState | None = None) -> FastAPI:
    state = state or OpenAIState()
    app = FastAPI(title="OpenAI fake")
    app.state.fake = state
    app.add_middleware(RecordRequests, log=state.requests)

    @app.exception_handler(OpenAIApiError)
    async def openai_error(_request: Request, error: OpenAIApiError):
        return error_response(error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        if error.status_code in (404, 405):  # OpenAI answers an unknown route like this
            return error_response(OpenAIApiError(404, f"Invalid URL ({request.method} {request.url.path})"))
        return error_response(OpenAIApiError(error.status_code, str(error.detail)))

    @app.post("/v1/chat/completions")
    async def create_chat_completion(request: Request):
        key = _api_key(request, state)
        try:
            body = validate(json.loads(await request.body()))
        except ValueError:  # not JSON, or not even UTF-8
            raise OpenAIApiError(400, "We could not parse the JSON body of your request.") from None
        entry = CompletionRequest(time.monotonic(), key, body, dict(request.headers))
        state.completions.append(entry)
        await asyncio.sleep(state.latency)
        reply = state.responder(body["messages"])
        if inspect.isawaitable(reply):
            reply = await reply
        completion = chat_completion(body, reply, int(state.now().timestamp()))
        entry.reply, entry.finished_at = completion["choices"][0]["message"]["content"], time.monotonic()
        headers = {"x-request-id": "req_" + uuid.uuid4().hex, "openai-version": "2020-10-01",
                   "openai-organization": "org-revgen-fake",
                   "openai-processing-ms": str(int((entry.finished_at - entry.started_at) * 1000)),
                   **rate_limit_headers(RATE_LIMITS["requests"] - 1,
                                        RATE_LIMITS["tokens"] - completion["usage"]["total_tokens"])}
        return JSONResponse(completion, headers=headers)

    return app


def faulty_app(state: OpenAIState | None = None) -> RecordingFaultInjector:
    """The fake behind a FaultInjector answering in OpenAI's error format (429s with
    retry-after and x-ratelimit-* headers); requests a fault answers are still counted in
    `state.requests`."""
    state = state or OpenAIState()
    return RecordingFaultInjector(create_app(state), error_body, state.requests)
