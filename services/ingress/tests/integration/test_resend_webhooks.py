"""Resend webhooks: svix-signed (checked with the official svix package's signer, against a
signer written apart from it, the Resend fake's), deduplicated by svix-id, on Kafka exactly once."""
import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ingress_testing import SECRETS
from revgen_common.envelope import Envelope
from revgen_common.topics import RESEND_WEBHOOKS
from revgen_fakes.resend import sign_svix
from revgen_testing.kafka_io import read_all

SECRET = SECRETS["resend_webhook_secret"]


def bounce(address: str = "Ada@Example.com") -> bytes:
    # wall clock: the event's own stamp, like its signature's (ingress runs on the system clock here)
    return json.dumps({"type": "email.bounced", "created_at": datetime.now(UTC).isoformat(), "data": {
        "email_id": str(uuid.uuid4()), "from": "RevGen <login@revgen.example>", "to": [address],
        "subject": "Your RevGen login code", "bounce": {"type": "Permanent", "subType": "General"}}}).encode()


def signed(body: bytes, svix_id: str | None = None, *, secret: str = SECRET, age: timedelta = timedelta()) -> dict:
    # wall clock: ingress checks the timestamp against its clock, the system clock here
    headers = sign_svix(secret, svix_id or f"msg_{uuid.uuid4().hex}", datetime.now(UTC) - age, body)
    return {"Content-Type": "application/json", **headers}


async def on_topic(infra, svix_ids) -> list[Envelope]:
    records = await read_all(infra.bootstrap_servers, RESEND_WEBHOOKS.name, timeout=60)
    wanted = set(svix_ids)
    return [e for e in (Envelope.from_bytes(r.value) for r in records) if e.payload["provider_id"] in wanted]


async def test_a_webhook_delivered_three_times_is_on_the_topic_once_keyed_by_its_recipient(ingress, infra):
    body, svix_id = bounce(), f"msg_{uuid.uuid4().hex}"
    # The topic is minutes old at most here: its partitions' leaders may still be settling, and
    # a 503 then is ingress's right answer, which Svix retries.
    for _ in range(20):
        first = await ingress.post("/webhooks/resend", content=body, headers=signed(body, svix_id))
        if first.status_code != 503:
            break
    answers = [first, await ingress.post("/webhooks/resend", content=body, headers=signed(body, svix_id))]
    # Svix retries with the same id and a fresh timestamp (so a fresh signature)
    answers.append(await ingress.post("/webhooks/resend", content=body,
                                      headers=signed(body, svix_id, age=timedelta(seconds=-1))))
    assert [a.status_code for a in answers] == [200] * 3
    [event] = await on_topic(infra, [svix_id])
    assert (event.type, event.key, event.payload["resend_type"]) == ("ResendEventReceived", "ada@example.com",
                                                                     "email.bounced")
    assert event.payload["raw"] == json.loads(body)


async def test_forged_stale_or_unsigned_webhooks_are_refused_with_401_and_leave_no_trace(ingress, infra):
    body = bounce()
    flipped = bytearray(body)
    flipped[len(flipped) // 2] ^= 0x01
    good = signed(body)
    forgeries = {
        "wrong secret": (body, signed(body, secret="whsec_c29tZW9uZS1lbHNlcy1zZWNyZXQtZW50aXJlbHk=")),
        "one flipped body byte": (bytes(flipped), good),
        "no signature": (body, {k: v for k, v in good.items() if k != "svix-signature"}),
        "no svix-id": (body, {k: v for k, v in good.items() if k != "svix-id"}),
        "another svix-id than signed": (body, {**good, "svix-id": "msg_someone_else"}),
        "six minutes old": (body, signed(body, age=timedelta(minutes=6))),
        "six minutes ahead": (body, signed(body, age=-timedelta(minutes=6))),
        "garbage signature": (body, {**good, "svix-signature": "v1,not-base64"}),
    }
    answers = {name: await ingress.post("/webhooks/resend", content=forged, headers=headers)
               for name, (forged, headers) in forgeries.items()}
    assert {name: a.status_code for name, a in answers.items()} == {name: 401 for name in forgeries}
    assert all(a.json()["error"] for a in answers.values())
    ids = [i for i in (headers.get("svix-id") for _, headers in forgeries.values()) if i]
    assert await on_topic(infra, ids) == []
    engine = create_async_engine(ingress.settings.ingress_database_url)
    async with engine.connect() as db:  # not even claimed
        assert await db.scalar(text("SELECT count(*) FROM webhook_ledger WHERE source = 'resend'")) == 0
    await engine.dispose()


async def test_a_signed_body_that_is_not_a_resend_event_is_a_400_not_a_500(ingress, infra):
    not_json, no_type = b"{this is not json", json.dumps({"data": {"to": ["a@example.com"]}}).encode()
    answers = [await ingress.post("/webhooks/resend", content=b, headers=signed(b)) for b in (not_json, no_type)]
    assert [a.status_code for a in answers] == [400, 400]
    assert "JSON" in answers[0].json()["error"] and "`type`" in answers[1].json()["error"]
