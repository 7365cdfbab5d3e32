"""The command API's answers: pages (S4), idempotency keys, refusals with the right status,
Stripe's throttling passed on as 503 with Retry-After — never a 500 for a client's error."""
import asyncio
import uuid

import pytest
from sqlalchemy import text

from billing.entrypoints.http import install_error_handlers, router
from billing_testing import plan, scalar, unique
from revgen_testing.routers import router_client


@pytest.fixture
async def api(billing):
    async with router_client(router, install_error_handlers, billing=billing) as client:
        yield client


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def test_subscriptions_are_listed_50_at_a_time_by_default_and_never_more_than_100(api, billing):
    plan_id = await plan(billing)
    async with billing.engine.begin() as db:
        await db.execute(text("INSERT INTO billing_accounts (client_id) SELECT 'c' || g FROM generate_series(1, 120) g"))
        await db.execute(text("""INSERT INTO subscriptions (id, client_id, plan_id, status)
                                 SELECT 'sub_' || lpad(g::text, 3, '0'), 'c' || g, :p, 'active'
                                 FROM generate_series(1, 120) g"""), {"p": plan_id})
    first = (await api.get("/subscriptions")).json()
    assert len(first["data"]) == 50 and first["has_more"] and first["next"] == "sub_050"
    rest = (await api.get("/subscriptions", params={"limit": 100, "starting_after": first["next"]})).json()
    assert len(rest["data"]) == 70 and not rest["has_more"]
    assert (await api.get("/subscriptions", params={"limit": 101})).status_code == 422


async def test_refusals_answer_with_their_status_and_a_reason(api, billing):
    plan_id = await plan(billing)
    body = {"client_id": "c-http", "plan_id": plan_id}
    assert (await api.post("/subscriptions", json=body)).status_code == 422  # no Idempotency-Key
    assert (await api.post("/subscriptions", json={**body, "plan_id": "nope"}, headers=key())).status_code == 404
    assert (await api.post("/subscriptions", json={**body, "phone": "555"}, headers=key())).status_code == 422
    assert (await api.post("/subscriptions", json=body, headers=key())).status_code == 201
    again = await api.post("/subscriptions", json=body, headers=key())
    assert again.status_code == 409 and "change its plan" in again.json()["error"]
    assert (await api.post(f"/plans/{plan_id}/deactivate")).status_code == 409
    assert (await api.post("/coupons", json={"id": "BOTH", "percent_off": 10, "amount_off_cents": 100})).status_code == 422


async def test_stripe_throttling_becomes_503_with_retry_after_and_the_same_key_then_completes(api, billing, stripe_fake):
    plan_id = await plan(billing)
    stripe_fake.faults.script("429:retry_after=7", path_prefix="/v1/customers")
    headers = key()
    body = {"client_id": "c-throttled", "plan_id": plan_id}
    waiting = await api.post("/subscriptions", json=body, headers=headers)
    assert waiting.status_code == 202 and waiting.json()["state"] == "started"
    done = await api.post("/subscriptions", json=body, headers=headers)
    assert done.status_code == 201 and done.json()["state"] == "completed"
    stripe_fake.faults.script("429:retry_after=7", path_prefix="/v1/subscriptions")
    throttled = await api.post(f"/subscriptions/{done.json()['subscription_id']}/pause", headers=key())
    assert throttled.status_code == 503 and throttled.headers["Retry-After"] == "7"


async def test_a_declined_first_payment_answers_201_incomplete_and_the_client_cannot_subscribe_twice(
        api, billing, gateway, stripe_fake):
    plan_id = await plan(billing)
    client_id = unique("client")
    customer = await gateway.v1.customers.create_async({"metadata": {"client_id": client_id}})
    async with billing.engine.begin() as db:
        await db.execute(text("INSERT INTO billing_accounts (client_id, stripe_customer_id) VALUES (:c, :cus)"),
                         {"c": client_id, "cus": customer.id})
    stripe_fake.state.fail_payments_for(customer.id)
    body = {"client_id": client_id, "plan_id": plan_id}
    created = await api.post("/subscriptions", json=body, headers=key())
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "completed" and created.json()["subscription_status"] == "incomplete"
    again = await api.post("/subscriptions", json=body, headers=key())
    assert again.status_code == 409 and "change its plan" in again.json()["error"]
    assert (await api.post(f"/plans/{plan_id}/deactivate")).status_code == 409


async def test_two_posts_with_the_same_idempotency_key_at_once_make_one_command_and_no_500(api, billing):
    plan_id = await plan(billing)
    for _ in range(5):
        headers, body = key(), {"client_id": unique("client"), "plan_id": plan_id}
        answers = await asyncio.gather(*(api.post("/subscriptions", json=body, headers=headers) for _ in range(2)))
        assert {a.status_code for a in answers} <= {201, 202}, [a.text for a in answers]
        assert await scalar(billing.engine, "SELECT count(*) FROM subscription_commands WHERE id = :i",
                            i=headers["Idempotency-Key"]) == 1


async def test_confirming_a_cancellation_with_an_id_that_is_not_a_uuid_is_a_client_error(api):
    assert (await api.post("/cancellations/not-a-uuid/confirm")).status_code == 422
    assert (await api.post(f"/cancellations/{uuid.uuid4()}/confirm")).status_code == 404


async def test_a_repeating_coupon_needs_its_duration_in_months_and_stripe_gets_them(api, stripe_fake):
    coupon = {"id": unique("REPEAT"), "percent_off": 10, "duration": "repeating"}
    assert (await api.post("/coupons", json=coupon)).status_code == 422
    assert (await api.post("/coupons", json={**coupon, "duration": "once", "duration_in_months": 3})).status_code == 422
    created = await api.post("/coupons", json={**coupon, "duration_in_months": 3})
    assert created.status_code == 201 and created.json()["duration_in_months"] == 3
    assert stripe_fake.state.coupons[coupon["id"]]["duration_in_months"] == 3


async def test_one_subscription_and_one_cancellation_request_are_read_by_id_with_their_client(api, billing):
    plan_id = await plan(billing)
    client_id = unique("client")
    created = await api.post("/subscriptions", json={"client_id": client_id, "plan_id": plan_id}, headers=key())
    subscription = created.json()["subscription_id"]
    read = await api.get(f"/subscriptions/{subscription}")
    assert read.status_code == 200 and read.json()["client_id"] == client_id and read.json()["plan_id"] == plan_id
    offer = (await api.post(f"/clients/{client_id}/cancellation")).json()
    request = await api.get(f"/cancellations/{offer['id']}")
    assert request.json()["client_id"] == client_id and request.json()["subscription_id"] == subscription
    assert (await api.get("/subscriptions/sub_nope")).status_code == 404
    assert (await api.get(f"/cancellations/{uuid.uuid4()}")).status_code == 404
    assert (await api.get("/cancellations/not-a-uuid")).status_code == 422
