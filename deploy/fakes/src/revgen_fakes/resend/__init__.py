"""A Resend fake the official `resend` SDK talks to unchanged: POST /emails in Resend's
shape behind Bearer auth, its JSON errors (422 validation_error, 401/403, 409 for an
idempotency key reused with another payload), Idempotency-Key honoured (same key, same id,
no second e-mail), a per-team rate limit answered with 429 and Retry-After, 5xx, hangs and
dropped answers through FaultInjector, and svix-signed webhooks about what it sent.

Aiming the SDK at it: the SDK reads its base URL from the module attribute `resend.api_url`
(or RESEND_API_URL at import); messaging's ResendSender sets it, in one place.
"""
from revgen_fakes.resend.app import create_app, faulty_app
from revgen_fakes.resend.errors import error_body
from revgen_fakes.resend.state import ResendState, SentEmail, sign_svix

__all__ = ["ResendState", "SentEmail", "create_app", "error_body", "faulty_app", "sign_svix"]
