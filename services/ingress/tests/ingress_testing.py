"""Helpers for ingress tests (on the test path): settings, an in-process server, signed
Stripe deliveries."""
import hashlib
import hmac
import json
import time
import uuid

from ingress.bootstrap import create_app
from ingress.settings import IngressSettings
from revgen_devstack.testing import serve_app

SECRETS = {
    "stripe_webhook_secret": "whsec_test_8d2f6a1c9e4b7d3f5a0c2e8b",
    "twilio_auth_token": "5e0c3a9f7b1d2e4c6a8f0b3d5e7c9a1f",
    "form_webhook_secret": "form-master-3c9e1a7f5b2d8c4e6a0f",
    "resend_webhook_secret": "whsec_cmV2Z2VuLWluZ3Jlc3MtdGVzdHMtcmVzZW5kLWtleQ==",
}


def settings_for(database_url: str, bootstrap: str, port: int, **overrides) -> IngressSettings:
    return IngressSettings(
        kafka_bootstrap_servers=bootstrap, ingress_database_url=database_url,
        public_base_url="https://hooks.revgen.example", port=port, **SECRETS, **overrides)


def serve(settings: IngressSettings):
    return serve_app(create_app(settings), settings.port)


def stripe_event(customer: str | None = "cus_1") -> bytes:
    obj = {"id": f"in_{uuid.uuid4().hex[:12]}", "object": "invoice", "customer": customer}
    return json.dumps({"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "invoice.paid",
                       "data": {"object": obj}}).encode()


async def deliver(client, body: bytes, header: str | None):
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Stripe-Signature"] = header
    return await client.post("/webhooks/stripe", content=body, headers=headers)


def form_headers(client_id: str, body: bytes, *, timestamp=None, secret=SECRETS["form_webhook_secret"], key=None):
    """The headers a client's form signs a submission with."""
    ts = str(int(time.time()) if timestamp is None else timestamp)  # wall clock: ingress runs on the system clock
    client_secret = hmac.new(secret.encode(), client_id.encode(), hashlib.sha256).hexdigest().encode()
    signature = hmac.new(client_secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-RevGen-Timestamp": ts, "X-RevGen-Signature": signature}
    if key:
        headers["Idempotency-Key"] = key
    return headers
