"""The one place an HTTP service turns errors into statuses.

- A request its input model refuses: 422, each problem named by field, the value never
  echoed (it may be what broke us: a lone surrogate cannot even be encoded as UTF-8).
- A body that is not JSON, or nested too deeply to parse: 400; larger than the limit: 413.
- The service's own errors: the status its table gives them.
- Anything else is a bug: logged, answered 500 — and the connection stays usable. (Left
  to Starlette, the 500 is sent and the exception re-raised, and uvicorn then drops the
  keep-alive connection, so the caller's next request on it fails with a reset.)
"""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from revgen_common.errors import NotFound, Refused, Unprocessable

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024


class Problem(BaseModel):
    field: str
    problem: str


class ErrorBody(BaseModel):
    """Every 4xx and 5xx body: what went wrong, and for refused input, where."""

    error: str
    problems: list[Problem] = []


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for error statuses a route may answer, all with `ErrorBody`."""
    return {status: {"model": ErrorBody} for status in statuses}


# Every route may refuse its input, its body's syntax or size.
INPUT_ERRORS = documented(400, 413, 422)


def _printable(value: object, limit: int = 120) -> str:
    # A field name can be hostile too (an unknown key): keep it encodable and short.
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "…"


def error_response(status: int, error: str, problems: Iterable[tuple[str, str]] = (),
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = {"error": _printable(error, 500), "problems": [
        {"field": _printable(field), "problem": _printable(problem, 300)} for field, problem in problems]}
    return JSONResponse(body, status_code=status, headers=headers)


def _field(location: Iterable[object]) -> str:
    return ".".join(str(part) for part in location)


async def _invalid_input(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = []
    for e in error.errors():
        message = e.get("msg", "is invalid")
        if e.get("type") == "json_invalid":
            message = f"is not valid JSON: {e.get('ctx', {}).get('error', message)}"
        problems.append((_field(e.get("loc", ("request",))), message.removeprefix("Value error, ")))
    return error_response(422, "invalid request", problems)


class BodyTooLarge(Exception):
    pass


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    cause = error.__cause__
    if isinstance(cause, BodyTooLarge):
        return error_response(413, "request body too large", [("body", str(cause))])
    if isinstance(cause, RecursionError):
        return error_response(400, "malformed body", [("body", "JSON nested too deeply")])
    if isinstance(cause, ValueError):  # json.loads refusing, e.g. an integer of 10,000 digits
        return error_response(400, "malformed body", [("body", str(cause))])
    return error_response(error.status_code, str(error.detail), headers=error.headers)


DomainErrors = Mapping[type[Exception], int | Callable[[Exception], Response]]


# A domain's refusals, the same status in every service; a service's own table may add to it.
REFUSALS: dict[type[Exception], int] = {Refused: 409, NotFound: 404, Unprocessable: 422}


def install_error_handling(app: FastAPI, domain_errors: DomainErrors, max_body_bytes: int = MAX_BODY_BYTES) -> None:
    """Map every error of `app` to its status: input, size, HTTP, then the service's own
    table (an exception type to a status, answered `{"error": str(e)}`, or to a function
    building the response)."""
    app.add_exception_handler(RequestValidationError, _invalid_input)
    app.add_exception_handler(HTTPException, _http_error)
    for kind, answer in {**REFUSALS, **domain_errors}.items():
        app.add_exception_handler(kind, _domain_handler(answer))
    app.add_middleware(ContainedErrors, max_body_bytes=max_body_bytes)


def _domain_handler(answer: int | Callable[[Exception], Response]) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, error: Exception) -> Response:
        return error_response(answer, str(error)) if isinstance(answer, int) else answer(error)
    return handle


class ContainedErrors:
    """ASGI middleware: bodies over the limit are refused (413) before they are buffered,
    and an unexpected exception becomes a 500 the server does not hang up after."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._answer(send, 413, "request body too large", f"over {self.max_body_bytes} bytes")
            return
        started = False
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:  # chunked: no length to check up front
                raise BodyTooLarge(f"over {self.max_body_bytes} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as error:
            if started:
                raise
            await self._answer(send, 413, "request body too large", str(error))
        except Exception:
            if started:
                raise  # nothing sensible can follow a response already under way
            log.exception("unexpected error answering %s %s", scope.get("method"), scope.get("path"))
            await self._answer(send, 500, "internal error", None)

    @staticmethod
    async def _answer(send: Send, status: int, error: str, detail: str | None) -> None:
        problems = [{"field": "body", "problem": detail}] if detail else []
        body = json.dumps({"error": error, "problems": problems}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


__all__ = ["INPUT_ERRORS", "BodyTooLarge", "ContainedErrors", "ErrorBody", "Problem", "documented", "error_response",
           "install_error_handling"]
