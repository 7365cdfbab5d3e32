"""Twilio and form webhooks: verified over the exact public URL / per-client secret."""
import json
import time
import uuid
from urllib.parse import urlencode

import pytest

from ingress_testing import form_headers
from revgen_common.envelope import Envelope
from revgen_common.testing.provider_signatures import twilio_signature
from revgen_common.topics import FORM_SUBMISSIONS, TWILIO_CALLS, TWILIO_MESSAGE_STATUS, TWILIO_MESSAGES
from revgen_testing.kafka_io import read_all

TOKEN = "5e0c3a9f7b1d2e4c6a8f0b3d5e7c9a1f"
PUBLIC = "https://hooks.revgen.example"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def inbound_sms(**overrides):
    return {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC123", "From": "+15550001111",
            "To": "+15559998888", "Body": "Do you fix leaks?", **overrides}


async def post_twilio(client, path, params, *, token=TOKEN, url=None, tamper=None):
    signature = twilio_signature(token, url or PUBLIC + path, params)
    sent = dict(params, **(tamper or {}))
    return await client.post(path, content=urlencode(sent), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})


async def events_on(infra, topic, provider_ids):
    records = await read_all(infra.bootstrap_servers, topic.name, timeout=60)
    wanted = set(provider_ids)
    return [e for e in (Envelope.from_bytes(r.value) for r in records) if e.payload["provider_id"] in wanted]


async def test_an_inbound_sms_delivered_three_times_is_published_once_keyed_by_the_conversation(ingress, infra):
    params = inbound_sms()
    answers = [await post_twilio(ingress, "/webhooks/twilio/sms", params) for _ in range(3)]
    assert [(a.status_code, a.text, a.headers["content-type"]) for a in answers] == \
        [(200, EMPTY_TWIML, "text/xml; charset=utf-8")] * 3
    (event,) = await events_on(infra, TWILIO_MESSAGES, [params["MessageSid"]])
    assert event.type == "TwilioMessageReceived" and event.key == "+15559998888|+15550001111"
    assert event.payload["raw"]["Body"] == "Do you fix leaks?"


async def test_each_call_status_is_its_own_event_and_each_is_deduplicated(ingress, infra):
    call = {"CallSid": f"CA{uuid.uuid4().hex}", "From": "+15550001111", "To": "+15559998888"}
    for status in ("ringing", "no-answer", "no-answer"):
        response = await post_twilio(ingress, "/webhooks/twilio/voice", {**call, "CallStatus": status})
        assert response.status_code == 200
    events = await events_on(infra, TWILIO_CALLS, [f"{call['CallSid']}:ringing", f"{call['CallSid']}:no-answer"])
    assert sorted(e.payload["raw"]["CallStatus"] for e in events) == ["no-answer", "ringing"]


async def test_status_callbacks_are_deduplicated_per_message_and_status(ingress, infra):
    sid = f"SM{uuid.uuid4().hex}"
    base = {"MessageSid": sid, "From": "+15559998888", "To": "+15550001111"}
    for status in ("sent", "delivered", "delivered", "sent"):
        assert (await post_twilio(ingress, "/webhooks/twilio/status", {**base, "MessageStatus": status})).status_code == 200
    events = await events_on(infra, TWILIO_MESSAGE_STATUS, [f"{sid}:sent", f"{sid}:delivered"])
    assert len(events) == 2 and all(e.key == "+15559998888|+15550001111" for e in events)


TWILIO_FORGERIES = {
    "wrong token": dict(token="0" * 32),
    "tampered parameter": dict(tamper={"Body": "Send me money"}),
    "extra parameter": dict(tamper={"Injected": "1"}),
    "wrong host": dict(url="https://evil.example/webhooks/twilio/sms"),
    "wrong scheme": dict(url="http://hooks.revgen.example/webhooks/twilio/sms"),
}


@pytest.mark.parametrize("variant", list(TWILIO_FORGERIES))
async def test_a_forged_twilio_webhook_is_refused_and_publishes_nothing(ingress, infra, variant):
    params = inbound_sms()
    response = await post_twilio(ingress, "/webhooks/twilio/sms", params, **TWILIO_FORGERIES[variant])
    assert response.status_code == 401
    assert await events_on(infra, TWILIO_MESSAGES, [params["MessageSid"]]) == []


async def test_a_twilio_webhook_without_a_signature_is_refused(ingress):
    response = await ingress.post("/webhooks/twilio/sms", content=urlencode(inbound_sms()),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 401


async def test_a_signed_twilio_webhook_missing_its_sid_is_a_400(ingress):
    params = inbound_sms()
    del params["MessageSid"]
    response = await post_twilio(ingress, "/webhooks/twilio/sms", params)
    assert response.status_code == 400 and "MessageSid" in response.json()["error"]


async def test_a_form_submission_is_deduplicated_by_idempotency_key_else_by_body(ingress, infra):
    client_id = f"client-{uuid.uuid4().hex[:8]}"
    first = json.dumps({"name": "Ann", "phone": "+15550002222"}).encode()
    second = json.dumps({"name": "Bob", "phone": "+15550003333"}).encode()
    path = f"/webhooks/forms/{client_id}"
    for _ in range(3):
        assert (await ingress.post(path, content=first, headers=form_headers(client_id, first))).status_code == 202
        assert (await ingress.post(path, content=second,
                                   headers=form_headers(client_id, second, key="k-1"))).status_code == 202
    records = await read_all(infra.bootstrap_servers, FORM_SUBMISSIONS.name, timeout=60)
    mine = [e for e in (Envelope.from_bytes(r.value) for r in records) if e.client_id == client_id]
    assert sorted(e.payload["raw"]["name"] for e in mine) == ["Ann", "Bob"]
    assert all(e.key == client_id for e in mine)


@pytest.mark.parametrize("variant", ["another client's secret", "wrong master secret", "301 s old", "301 s ahead"])
async def test_a_forged_or_stale_form_submission_is_refused(ingress, variant):
    body = b'{"name": "Mallory"}'
    now = int(time.time())  # wall clock: ingress runs on the system clock
    headers = {
        "another client's secret": form_headers("someone-else", body),
        "wrong master secret": form_headers("c1", body, secret="not-the-master-secret"),
        "301 s old": form_headers("c1", body, timestamp=now - 301),
        "301 s ahead": form_headers("c1", body, timestamp=now + 301),
    }[variant]
    assert (await ingress.post("/webhooks/forms/c1", content=body, headers=headers)).status_code == 401


async def test_a_body_over_1_mib_is_refused_with_413_whether_declared_or_chunked(ingress):
    big = b"x" * (1024 * 1024 + 1)
    declared = await ingress.post("/webhooks/stripe", content=big, headers={"Stripe-Signature": "t=1,v1=00"})
    assert declared.status_code == 413

    async def chunks():
        for _ in range(17):
            yield b"y" * 65536

    chunked = await ingress.post("/webhooks/forms/c1", content=chunks(), headers=form_headers("c1", b""))
    assert chunked.status_code == 413


async def test_exactly_1_mib_is_accepted(ingress):
    client_id = f"client-{uuid.uuid4().hex[:8]}"
    padding = "p" * (1024 * 1024 - 20)
    body = json.dumps({"note": padding}).encode()
    body = body[:-2] + b" " * (1024 * 1024 - len(body)) + body[-2:]
    assert len(body) == 1024 * 1024
    response = await ingress.post(f"/webhooks/forms/{client_id}", content=body, headers=form_headers(client_id, body))
    assert response.status_code == 202
