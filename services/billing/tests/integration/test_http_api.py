"""The command API's answers: pages (S4), idempotency keys, refusals with the right status,
Stripe's throttling passed on as 503 with Retry-After — never a 500 for a client's error."""
import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from billing.entrypoints.http import install_error_handlers, router
from billing_testing import plan


@pytest.fixture
async def api(billing):
    app = FastAPI()
    app.include_router(router)
    install_error_handlers(app)
    app.state.billing = billing
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing") as client:
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
