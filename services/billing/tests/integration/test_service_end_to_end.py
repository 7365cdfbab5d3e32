"""The running service: commands over HTTP, Stripe's webhooks from Kafka (each five times),
outcomes and exactly one receipt on Kafka, a deleted client's subscription canceled."""
import json
import uuid

from billing.bootstrap import create_app
from billing.settings import BillingSettings
from billing_testing import STRIPE_KEY, stripe_event_message
from revgen_common.envelope import Envelope
from revgen_common.testing.internal_api import TEST_API_HEADERS, TEST_API_TOKEN
from revgen_common.topics import BILLING_EVENTS, IDENTITY_EVENTS, MESSAGING_COMMANDS, STRIPE_WEBHOOKS
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_testing.kafka_io import publish, read_all
from revgen_testing.running import eventually


async def messages_for(infra, topic: str, client_id: str) -> list[dict]:
    records = await read_all(infra.bootstrap_servers, topic)
    return [m for m in (json.loads(r.value) for r in records) if m.get("client_id") == client_id]


async def test_a_subscription_made_over_http_and_its_webhooks_from_kafka_give_one_outcome_each(
        infra, all_topics, billing_engine, stripe_fake):
    settings = BillingSettings(kafka_bootstrap_servers=infra.bootstrap_servers, stripe_api_key=STRIPE_KEY,
                               stripe_api_base=stripe_fake.url, port=free_port(), billing_api_token=TEST_API_TOKEN,
                               billing_database_url=billing_engine.url.render_as_string(hide_password=False))
    client_id = f"client-{uuid.uuid4().hex[:8]}"
    delivered = []
    stripe_fake.state.subscribe(delivered.append)
    async with serve_app(create_app(settings), settings.port, headers=TEST_API_HEADERS) as api:
        assert (await api.post("/plans", json={"id": "pro", "name": "Pro", "amount_cents": 9900})).status_code == 201
        key = {"Idempotency-Key": str(uuid.uuid4())}
        body = {"client_id": client_id, "plan_id": "pro", "phone": "+15550004321"}
        created = await api.post("/subscriptions", json=body, headers=key)
        assert created.status_code == 201, created.text
        assert (await api.post("/subscriptions", json=body, headers=key)).json() == created.json()  # replayed
        assert (await api.post("/subscriptions", json=body)).status_code == 422  # no key, no command
        assert (await api.get("/subscriptions", params={"limit": 101})).status_code == 422
        page = (await api.get("/subscriptions", params={"client_id": client_id})).json()
        assert [s["id"] for s in page["data"]] == [created.json()["subscription_id"]]
        assert (await api.post("/plans/pro/deactivate")).status_code == 409

        webhooks = [stripe_event_message(e) for e in delivered]
        await publish(infra.bootstrap_servers, STRIPE_WEBHOOKS.name, webhooks * 5)

        async def settled():
            receipts = [m for m in await messages_for(infra, MESSAGING_COMMANDS.name, client_id)
                        if m["payload"]["purpose"] == "payment_receipt"]
            return len(receipts) >= 1

        await eventually(settled, timeout=60, interval=1.0)
        await publish(infra.bootstrap_servers, IDENTITY_EVENTS.name, [Envelope(
            type="ClientDeleted", producer="identity", key=client_id, client_id=client_id,
            payload={"client_id": client_id, "deleted_by": "owner"})])
        subscription_id = created.json()["subscription_id"]
        await eventually(lambda: _canceled(stripe_fake, subscription_id), timeout=60)

        async def outcomes():
            return [m["type"] for m in await messages_for(infra, BILLING_EVENTS.name, client_id)]

        await eventually(lambda: _has(outcomes, "SubscriptionCanceled"), timeout=60, interval=1.0)
    kinds = await outcomes()
    assert kinds.count("SubscriptionActivated") == 1 and kinds.count("PaymentSucceeded") == 1, kinds
    assert kinds.count("SubscriptionCanceled") == 1, kinds
    receipts = [m for m in await messages_for(infra, MESSAGING_COMMANDS.name, client_id)]
    assert len(receipts) == 1 and receipts[0]["payload"]["to"] == "+15550004321"


async def _canceled(stripe_fake, subscription_id) -> bool:
    return stripe_fake.state.subscriptions[subscription_id]["status"] == "canceled"


async def _has(outcomes, kind) -> bool:
    return kind in await outcomes()
