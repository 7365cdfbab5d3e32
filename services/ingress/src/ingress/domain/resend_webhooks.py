"""Resend: its webhooks are sent by Svix, signed with `svix-id`, `svix-timestamp` and
`svix-signature` (v1: base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" under the endpoint's
secret, several when a secret rolls). Timestamps more than five minutes off ingress's clock
are refused, as svix does (its own verifier would judge them by the wall clock, so the official
`svix` package here only signs, for the comparison); the svix-id is the dedup key (a
redelivery keeps it)."""
from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from svix.webhooks import Webhook

from ingress.domain.webhooks import Forged, Malformed, VerifiedWebhook, json_of, within_window
from revgen_common.contracts.webhooks import ResendEventReceived

HEADERS = ("svix-id", "svix-timestamp", "svix-signature")


def verify_resend(body: bytes, headers: Mapping[str, str], verifier: Webhook, now: float) -> VerifiedWebhook:
    found = {name: headers.get(name) for name in HEADERS}
    if not all(found.values()):
        missing = ", ".join(name for name, value in found.items() if not value)
        raise Forged("missing_signature", f"Resend webhook headers missing: {missing}")
    svix_id, stamp, signatures = (str(found[name]) for name in HEADERS)
    try:
        signed_at = int(stamp)
    except ValueError:
        raise Forged("bad_signature", "Resend signature rejected: svix-timestamp is not a Unix time") from None
    within_window(signed_at, now, "Resend signature rejected: svix-timestamp")
    # svix signs bytes as received (its verify passes them on the same way)
    expected = verifier.sign(svix_id, datetime.fromtimestamp(signed_at, UTC), body).encode()  # type: ignore[arg-type]
    if not any(hmac.compare_digest(expected, given.encode()) for given in signatures.split(" ")):
        raise Forged("bad_signature", "Resend signature rejected: no matching signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("malformed_body", "body is not UTF-8") from None
    event = json_of(text)
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not event["type"]:
        raise Malformed("malformed_body", "a Resend event needs a string `type`")
    if not isinstance(event.get("data"), dict):
        raise Malformed("malformed_body", "a Resend event needs a `data` object")
    return VerifiedWebhook(source="resend", provider_id=str(found["svix-id"]), contract=ResendEventReceived,
                           raw=event, extra={"resend_type": event["type"]})
