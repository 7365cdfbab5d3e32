"""Stripe's error responses: `{"error": {"type", "message", "code"?, "param"?}}`."""
from __future__ import annotations


class StripeError(Exception):
    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type, code, param

    def body(self) -> dict:
        error = {"type": self.type, "message": self.message}
        error.update({key: value for key, value in (("code", self.code), ("param", self.param)) if value})
        return {"error": error}


def no_such(kind: str, object_id: str, param: str = "id") -> StripeError:
    # Ids in the URL are 404s; ids named in parameters are 400s, as with Stripe.
    return StripeError(404 if param == "id" else 400, f"No such {kind}: '{object_id}'",
                       code="resource_missing", param=param)


def bad_param(param: str, message: str) -> StripeError:
    return StripeError(400, message, code="parameter_invalid", param=param)


def fault_error_body(status: int) -> dict:
    """What Stripe sends for the failures FaultInjector simulates."""
    if status == 429:
        return StripeError(429, "Request rate limit exceeded. Learn more about rate limits here "
                                "https://stripe.com/docs/rate-limits.", type="rate_limit_error",
                           code="rate_limit").body()
    return StripeError(status, "An unknown error occurred. Please try again later.", type="api_error").body()
