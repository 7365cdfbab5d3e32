"""Resend's error format: `{"statusCode", "message", "name"}`. The SDK picks its exception
class by status and `name` (429 rate_limit_exceeded -> RateLimitError, 422
validation_error -> ValidationError, ...) and keeps the response headers on it."""
from __future__ import annotations

from fastapi.responses import JSONResponse

_PLATFORM_ERRORS = {
    429: ("rate_limit_exceeded", "Too many requests. You can only make 2 requests per second. See rate limit "
                                 "response headers for more information. Or contact support to increase rate limit."),
    500: ("internal_server_error", "An unexpected error occurred, please try again later."),
    502: ("internal_server_error", "Bad gateway."),
    503: ("internal_server_error", "Service unavailable."),
}


class ResendApiError(Exception):
    def __init__(self, status: int, name: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.name, self.message = status, name, message
        self.headers = headers or {}


def error_payload(status: int, name: str, message: str) -> dict:
    return {"statusCode": status, "message": message, "name": name}


def error_response(error: ResendApiError) -> JSONResponse:
    return JSONResponse(error_payload(error.status, error.name, error.message), error.status, error.headers)


def error_body(status: int) -> tuple[dict, dict]:
    """For FaultInjector: Resend's body for a platform failure (the injector adds Retry-After
    to 429s itself)."""
    name, message = _PLATFORM_ERRORS.get(status, _PLATFORM_ERRORS[500])
    return error_payload(status, name, message), {}
