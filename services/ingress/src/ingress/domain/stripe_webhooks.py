"""Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of "t.body".

The official SDK verifies the signatures (any matching v1 passes, so secrets can roll).
The timestamp's window is checked here, on both sides, against ingress's clock: the SDK
would check only the old side, and against the wall clock.
"""
from __future__ import annotations

import stripe

from ingress.domain.webhooks import Forged, Malformed, VerifiedWebhook, json_of
from revgen_common.contracts.webhooks import StripeEventReceived

TOLERANCE_SECONDS = 300


def _timestamp(header: str) -> int:
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            try:
                return int(value)
            except ValueError:
                break
    raise Forged("bad_signature", "Stripe-Signature has no valid timestamp")


def verify_stripe(body: bytes, header: str | None, secret: str, now: float) -> VerifiedWebhook:
    if not header:
        raise Forged("missing_signature", "Stripe-Signature header is missing")
    signed_at = _timestamp(header)
    if signed_at > now + TOLERANCE_SECONDS:
        raise Forged("expired_signature", "Stripe-Signature timestamp is too far in the future")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("malformed_body", "body is not UTF-8") from None
    try:
        stripe.WebhookSignature.verify_header(text, header, secret, tolerance=None)  # the window: below
    except stripe.SignatureVerificationError as error:
        raise Forged("bad_signature", f"Stripe signature rejected: {error.user_message or error}") from None
    if signed_at < now - TOLERANCE_SECONDS:
        raise Forged("expired_signature", f"Stripe signature rejected: timestamp {signed_at} is more than "
                                          f"{TOLERANCE_SECONDS} s old")
    event = json_of(text)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        raise Malformed("malformed_body", "a Stripe event needs a string `id`")
    return VerifiedWebhook(source="stripe", provider_id=event["id"], contract=StripeEventReceived, raw=event,
                           extra={"stripe_type": str(event.get("type", ""))})
