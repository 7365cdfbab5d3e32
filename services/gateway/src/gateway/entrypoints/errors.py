"""Every error to its status, in one place: JSON under /api/, a page elsewhere. Bad input is
a 4xx that names the problem; a service that is down is 503 with Retry-After; only a bug
of ours is a 500 (logged), and it says nothing of the request."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from gateway.adapters.services import Refused, Unavailable
from gateway.domain.decisions import Unauthenticated
from gateway.entrypoints.admission import Refusal
from gateway.entrypoints.protection import BodyTooLarge
from gateway.entrypoints.ui.render import local_path, render, without_session_cookie
from gateway.metrics import REFUSALS
from revgen_common.pagination import InvalidCursor

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _back(request: Request) -> str:
    """Where the error page leads back to: the page the person came from, on this site only
    (the Referer, same-origin by our Referrer-Policy); without one, who they are."""
    try:
        came_from = urlsplit(request.headers.get("referer", ""))
    except ValueError:  # not a URL ("http://[" is an unclosed IPv6 host): nothing to go back to
        return "/me"
    if came_from.netloc != request.url.netloc or came_from.path == request.url.path:
        return "/me"
    return local_path(came_from.path + (f"?{came_from.query}" if came_from.query else ""))


def answer(request: Request, status: int, reason: str, problems: list[dict] | None = None,
           headers: dict[str, str] | None = None, clear_cookie: bool = False) -> Response:
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="revgen"')
    if _wants_json(request):
        response: Response = JSONResponse({"error": reason, "problems": problems or []}, status_code=status,
                                          headers=headers)
    elif status == 401:
        back = request.url.path if request.method == "GET" else None
        response = render(request, "login.html", status=401, step="identifier", error=reason, next=local_path(back))
    else:
        response = render(request, "error.html", status=status, reason=reason, problems=problems or [],
                          back=_back(request))
    response.headers.update(headers)
    if clear_cookie:  # exception handlers get the request alone (no dependencies): app.state it is
        without_session_cookie(response, request.app.state.gateway.secure_cookies)
    return response


def install_error_handlers(app: FastAPI) -> None:
    async def refusal(request: Request, e: Refusal) -> Response:
        REFUSALS.labels(str(e.status)).inc()
        return answer(request, e.status, e.reason, headers=e.headers, clear_cookie=e.clear_cookie)

    async def refused(request: Request, e: Refused) -> Response:
        problems = e.body.get("problems") if isinstance(e.body, dict) else None  # the service named the fields
        return answer(request, e.status, e.reason, problems if isinstance(problems, list) else None)

    async def unavailable(request: Request, e: Unavailable) -> Response:
        log.warning("%s", e)
        return answer(request, 503, f"{e.service} is unavailable; try again shortly", headers={"Retry-After": "5"})

    async def unauthenticated(request: Request, e: Unauthenticated) -> Response:
        return answer(request, 401, "your session has expired or was ended: sign in again", clear_cookie=True)

    async def invalid_input(request: Request, e: RequestValidationError) -> Response:
        problems = [{"field": ".".join(str(p) for p in err.get("loc", ())),
                     "problem": str(err.get("msg", "is invalid")).removeprefix("Value error, ")} for err in e.errors()]
        return answer(request, 422, "invalid request", problems)

    async def invalid_cursor(request: Request, e: InvalidCursor) -> Response:
        return answer(request, 400, str(e), [{"field": "query.cursor", "problem": str(e)}])

    async def too_large(request: Request, e: Exception) -> Response:
        limit = request.app.state.gateway.settings.max_body_bytes  # a handler: no dependencies here either
        return answer(request, 413, f"request body too large: over {limit} bytes",
                      [{"field": "body", "problem": f"at most {limit} bytes"}])

    async def http_error(request: Request, e: HTTPException) -> Response:
        if isinstance(e.__cause__, BodyTooLarge):  # FastAPI wraps what reading the body raised
            return await too_large(request, e)
        return answer(request, e.status_code, str(e.detail), headers=dict(e.headers or {}))

    async def bug(request: Request, e: Exception) -> Response:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        return answer(request, 500, "internal error")

    handlers: tuple[tuple[type[Exception], Callable[[Request, Any], Awaitable[Response]]], ...] = (
        (Refusal, refusal), (Refused, refused), (Unavailable, unavailable),
        (Unauthenticated, unauthenticated), (RequestValidationError, invalid_input),
        (InvalidCursor, invalid_cursor), (BodyTooLarge, too_large), (HTTPException, http_error),
        (Exception, bug))
    for kind, handler in handlers:
        app.add_exception_handler(kind, handler)
