"""Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, HMAC-SHA256 of "t.body".

The official SDK verifies the signatures (any matching v1 passes, so secrets can roll).
The timestamp's window is checked first, on both sides, against ingress's clock
(webhooks.within_window): the SDK would check only the old side, and against the wall clock.
"""
from __future__ import annotations

import stripe

from ingress.domain.webhooks import Forged, Malformed, VerifiedWebhook, json_of, within_window
from revgen_common.contracts.webhooks import StripeEventReceived


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
    within_window(_timestamp(header), now, "Stripe-Signature timestamp")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("malformed_body", "body is not UTF-8") from None
    try:
        stripe.WebhookSignature.verify_header(text, header, secret, tolerance=None)  # the window: above
    except stripe.SignatureVerificationError as error:
        raise Forged("bad_signature", f"Stripe signature rejected: {error.user_message or error}") from None
    event = json_of(text)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        raise Malformed("malformed_body", "a Stripe event needs a string `id`")
    return VerifiedWebhook(source="stripe", provider_id=event["id"], contract=StripeEventReceived, raw=event,
                           extra={"stripe_type": str(event.get("type", ""))})
