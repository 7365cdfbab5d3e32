"""OpenAI's error format: `{"error": {"message", "type", "param", "code"}}`. The SDK maps the
HTTP status to its exception class (429 -> RateLimitError, >= 500 -> InternalServerError)
and keeps this object as the exception's `body`."""
from __future__ import annotations

from fastapi.responses import JSONResponse

# What a rate-limited account sees: the requests-per-minute budget is spent.
RATE_LIMITS = {"requests": 60, "tokens": 150_000}

_PLATFORM_ERRORS = {
    429: ("Rate limit reached in organization org-revgen-fake on requests per min (RPM): "
          f"Limit {RATE_LIMITS['requests']}, Used {RATE_LIMITS['requests']}, Requested 1. "
          "Visit https://platform.openai.com/account/rate-limits to learn more.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request. Sorry about that!", "server_error", None),
    502: ("Bad gateway.", "server_error", None),
    503: ("The server is overloaded or not ready yet.", "server_error", None),
}


class OpenAIApiError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param


def error_payload(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def error_response(error: OpenAIApiError) -> JSONResponse:
    return JSONResponse(error_payload(error.message, error.type, error.code, error.param), error.status)


def rate_limit_headers(requests_remaining: int, tokens_remaining: int) -> dict[str, str]:
    return {
        "x-ratelimit-limit-requests": str(RATE_LIMITS["requests"]),
        "x-ratelimit-limit-tokens": str(RATE_LIMITS["tokens"]),
        "x-ratelimit-remaining-requests": str(requests_remaining),
        "x-ratelimit-remaining-tokens": str(tokens_remaining),
        "x-ratelimit-reset-requests": "1s",
        "x-ratelimit-reset-tokens": "0s",
    }


def error_body(status: int) -> tuple[dict, dict]:
    """For FaultInjector: OpenAI's body and headers for a platform failure (the injector
    sets retry-after on 429s itself)."""
    message, type_, code = _PLATFORM_ERRORS.get(status, _PLATFORM_ERRORS[500])
    headers = rate_limit_headers(0, RATE_LIMITS["tokens"]) if status == 429 else {}
    return error_payload(message, type_, code), headers
