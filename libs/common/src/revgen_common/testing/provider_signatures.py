"""Sign requests the way Stripe and Twilio sign theirs, for tests and provider fakes.

Stripe documents its scheme: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`.
Twilio documents its own: base64 HMAC-SHA1, keyed with the auth token, of the full URL
followed by each POST parameter's name and value, sorted by name.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable


def stripe_v1(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def stripe_signature_header(body: bytes, secrets: Iterable[str], timestamp: int | None = None,
                            extra: Iterable[str] = ()) -> str:
    """A header with one v1 per secret (as during a secret roll) and any `extra` parts."""
    t = int(time.time()) if timestamp is None else timestamp  # wall clock: as the provider signs
    parts = [f"t={t}", *(f"v1={stripe_v1(s, t, body)}" for s in secrets), *extra]
    return ",".join(parts)


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    signed = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()).decode()
