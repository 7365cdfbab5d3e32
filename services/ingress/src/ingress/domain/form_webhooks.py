"""Clients' web forms: `X-RevGen-Signature` = hex HMAC-SHA256 over "{timestamp}.{raw body}",
keyed with the client's own secret, itself derived from FORM_WEBHOOK_SECRET so that no
per-client secret needs storing."""
from __future__ import annotations

import hashlib
import hmac

from ingress.domain.webhooks import Forged, Malformed, VerifiedWebhook, json_of, within_window
from revgen_common.contracts.webhooks import FormSubmitted


def client_form_secret(master_secret: str, client_id: str) -> bytes:
    return hmac.new(master_secret.encode(), client_id.encode(), hashlib.sha256).hexdigest().encode()


def sign_form(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_form(client_id: str, body: bytes, timestamp: str | None, signature: str | None,
                idempotency_key: str | None, master_secret: str, now: float) -> VerifiedWebhook:
    if not timestamp or not signature:
        raise Forged("missing_signature", "X-RevGen-Timestamp and X-RevGen-Signature are required")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Forged("bad_signature", "X-RevGen-Timestamp is not a unix time") from None
    within_window(sent_at, now, "X-RevGen-Timestamp")
    expected = sign_form(client_form_secret(master_secret, client_id), timestamp, body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise Forged("bad_signature", "X-RevGen-Signature does not match")
    submission = json_of(body)
    if not isinstance(submission, dict):
        raise Malformed("malformed_body", "a form submission must be a JSON object")
    provider_id = f"key:{idempotency_key}" if idempotency_key else f"sha256:{hashlib.sha256(body).hexdigest()}"
    return VerifiedWebhook(source="form", provider_id=f"{client_id}/{provider_id}", contract=FormSubmitted,
                           raw=submission, extra={"form_client_id": client_id})
