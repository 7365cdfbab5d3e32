"""Resend: its webhooks are sent by Svix, signed with `svix-id`, `svix-timestamp` and
`svix-signature` (v1: base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" under the endpoint's
secret, several when a secret rolls). The official `svix` package verifies them and rejects
timestamps more than five minutes off; the svix-id is the dedup key (a redelivery keeps it)."""
from __future__ import annotations

from collections.abc import Mapping

from svix.webhooks import Webhook, WebhookVerificationError

from ingress.domain.webhooks import Forged, Malformed, VerifiedWebhook, json_of
from revgen_common.contracts.webhooks import ResendEventReceived

HEADERS = ("svix-id", "svix-timestamp", "svix-signature")


def verify_resend(body: bytes, headers: Mapping[str, str], verifier: Webhook) -> VerifiedWebhook:
    found = {name: headers.get(name) for name in HEADERS}
    if not all(found.values()):
        missing = ", ".join(name for name, value in found.items() if not value)
        raise Forged("missing_signature", f"Resend webhook headers missing: {missing}")
    try:
        verifier.verify(body, {name: str(value) for name, value in found.items()})
    except WebhookVerificationError as error:
        reason = "expired_signature" if "timestamp" in str(error).lower() else "bad_signature"
        raise Forged(reason, f"Resend signature rejected: {error}") from None
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
