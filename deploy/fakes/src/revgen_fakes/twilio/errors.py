"""Twilio's REST error format: `{"code", "message", "more_info", "status"}` with the HTTP
status repeated in the body. The SDK turns it into TwilioRestException(status, code, msg)."""
from __future__ import annotations

from fastapi.responses import JSONResponse

# Codes Twilio documents for platform failures; 502 has none of its own, so it borrows 20500.
_PLATFORM_ERRORS = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    502: (20500, "Bad Gateway"),
    503: (20503, "Service Unavailable"),
}


class TwilioApiError(Exception):
    def __init__(self, status: int, code: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def error_payload(status: int, code: int, message: str) -> dict:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


def error_response(error: TwilioApiError) -> JSONResponse:
    return JSONResponse(error_payload(error.status, error.code, error.message), error.status, error.headers)


def error_body(status: int) -> tuple[dict, dict]:
    """For FaultInjector: the body and headers Twilio answers a platform failure with (the
    injector adds Retry-After to 429s itself)."""
    code, message = _PLATFORM_ERRORS.get(status, (20500, "Internal Server Error"))
    return error_payload(status, code, message), {}


def unauthenticated() -> TwilioApiError:
    return TwilioApiError(401, 20003, "Authenticate", {"WWW-Authenticate": 'Basic realm="Twilio API"'})


def not_found(path: str) -> TwilioApiError:
    return TwilioApiError(404, 20404, f"The requested resource {path} was not found")


def release_refused(phone_number: str) -> TwilioApiError:
    """Twilio keeps a number with an emergency address registered (its support article: remove
    the address first). The code is the fake's stand-in; the point is a 400 that no retry fixes."""
    return TwilioApiError(400, 21649, f"{phone_number} has an emergency address registered and cannot be released")
