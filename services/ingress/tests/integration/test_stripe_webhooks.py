"""Stripe webhooks: verified with the official SDK, deduplicated, on Kafka exactly once."""
import asyncio
import json
import time

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ingress_testing import SECRETS, deliver, stripe_event
from revgen_common.envelope import Envelope
from revgen_common.testing.provider_signatures import stripe_signature_header
from revgen_common.topics import STRIPE_WEBHOOKS
from revgen_testing.kafka_io import read_all

SECRET = SECRETS["stripe_webhook_secret"]


async def on_topic(infra, event_ids) -> list[Envelope]:
    records = await read_all(infra.bootstrap_servers, STRIPE_WEBHOOKS.name, timeout=60)
    wanted = set(event_ids)
    return [e for e in (Envelope.from_bytes(r.value) for r in records) if e.payload["provider_id"] in wanted]


async def ledger_rows(database_url, provider_ids) -> int:
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM webhook_ledger WHERE provider_id = ANY(:ids)"),
                                        {"ids": list(provider_ids)})
    await engine.dispose()
    return count


async def test_200_events_delivered_5_times_each_are_on_the_topic_exactly_once_and_every_delivery_gets_2xx(
        ingress, infra):
    bodies = [stripe_event(customer=f"cus_{i % 17}") for i in range(200)]
    ids = [json.loads(b)["id"] for b in bodies]
    statuses = []
    for body in bodies[:70]:  # sequentially, the same signed request again and again
        header = stripe_signature_header(body, [SECRET])
        for _ in range(5):
            statuses.append((await deliver(ingress, body, header)).status_code)
    gate = asyncio.Semaphore(10)

    async def ten_way(body, header):
        async with gate:
            return (await deliver(ingress, body, header)).status_code

    concurrent = [ten_way(body, stripe_signature_header(body, [SECRET])) for body in bodies[70:140] for _ in range(5)]
    statuses += await asyncio.gather(*concurrent)
    for attempt in range(5):  # re-signed with a fresh timestamp each time, as Stripe retries
        for body in bodies[140:]:
            # wall clock: ingress checks signatures against the system clock
            header = stripe_signature_header(body, [SECRET], timestamp=int(time.time()) + attempt)
            statuses.append((await deliver(ingress, body, header)).status_code)

    assert statuses == [200] * 1000
    events = await on_topic(infra, ids)
    assert sorted(e.payload["provider_id"] for e in events) == sorted(ids)
    assert all(e.type == "StripeEventReceived" and e.payload["stripe_type"] == "invoice.paid" for e in events)
    customers = {json.loads(b)["id"]: json.loads(b)["data"]["object"]["customer"] for b in bodies}
    assert all(e.key == customers[e.payload["provider_id"]] for e in events)  # ordered per customer


def forgeries(body: bytes):
    now = int(time.time())  # wall clock: ingress runs on the system clock
    flipped = bytearray(body)
    flipped[len(flipped) // 2] ^= 0x01
    return {
        "wrong secret": (body, stripe_signature_header(body, ["whsec_someone_else_entirely_1234"])),
        "one flipped body byte": (bytes(flipped), stripe_signature_header(body, [SECRET])),
        "missing header": (body, None),
        "v0 only": (body, stripe_signature_header(body, [], extra=["v0=" + "ab" * 32])),
        "several v1, none valid": (body, stripe_signature_header(body, ["whsec_a_1234567890", "whsec_b_1234567890"])),
        "301 s old": (body, stripe_signature_header(body, [SECRET], timestamp=now - 301)),
        "301 s in the future": (body, stripe_signature_header(body, [SECRET], timestamp=now + 301)),
        "garbage header": (body, "not-a-signature"),
    }


@pytest.mark.parametrize("variant", list(forgeries(b"{...}")))
async def test_a_forged_stripe_webhook_is_refused_with_401_and_leaves_no_trace(ingress, infra, variant):
    body = stripe_event()
    forged_body, header = forgeries(body)[variant]
    response = await deliver(ingress, forged_body, header)
    assert response.status_code == 401 and response.json()["error"]
    provider_id = json.loads(body)["id"]
    assert await ledger_rows(ingress.settings.ingress_database_url, [provider_id]) == 0
    assert await on_topic(infra, [provider_id]) == []


async def test_a_rolled_secret_is_accepted_when_any_v1_matches(ingress, infra):
    body = stripe_event()
    header = stripe_signature_header(body, ["whsec_old_secret_that_rolled_1234", SECRET])
    assert (await deliver(ingress, body, header)).status_code == 200


async def test_a_signed_body_that_is_not_json_is_a_400_not_a_500(ingress):
    body = b"{this is not json"
    response = await deliver(ingress, body, stripe_signature_header(body, [SECRET]))
    assert response.status_code == 400 and "JSON" in response.json()["error"]


async def test_every_accepted_webhook_ends_published_though_marks_are_batched_off_the_response(ingress, infra):
    bodies = [stripe_event(customer=f"cus_{i % 5}") for i in range(300)]
    ids = [json.loads(b)["id"] for b in bodies]
    gate = asyncio.Semaphore(20)  # within MAX_IN_FLIGHT

    async def one(body):
        async with gate:
            return (await deliver(ingress, body, stripe_signature_header(body, [SECRET]))).status_code

    assert await asyncio.gather(*(one(b) for b in bodies)) == [200] * 300
    engine = create_async_engine(ingress.settings.ingress_database_url)
    deadline = time.monotonic() + 5
    async with engine.connect() as connection:
        while True:
            states = dict((await connection.execute(text(
                "SELECT state, count(*) FROM webhook_ledger WHERE provider_id = ANY(:ids) GROUP BY state"),
                {"ids": ids})).all())
            if states == {"published": 300} or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
    await engine.dispose()
    assert states == {"published": 300}
    assert len(await on_topic(infra, ids)) == 300
