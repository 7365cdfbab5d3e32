"""What a careless or hostile client sends is refused with a 4xx naming the field — before
Stripe is called, so nothing is left orphaned there — and the connection stays open."""
import uuid

import pytest

from billing_testing import plan
from revgen_common.testing.internal_api import TEST_API_HEADERS
from revgen_testing.raw_http import Sent, on_one_connection


@pytest.fixture
def api(served_billing):
    return served_billing


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def writes_at_stripe(stripe_fake) -> list:
    """What billing asked Stripe to create or change (the app's own reconciliation only reads)."""
    return [r for r in stripe_fake.state.requests if r.method != "GET"]


def problem_fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [p["field"] for p in response.json()["problems"]]


async def test_a_plan_of_ten_to_the_nineteen_cents_is_refused_before_any_stripe_call(api, stripe_fake):
    response = await api.post("/plans", json={"id": "huge", "name": "Huge", "amount_cents": 10**19})
    assert "body.amount_cents" in problem_fields(response)
    assert writes_at_stripe(stripe_fake) == []
    assert stripe_fake.state.products == {} and stripe_fake.state.prices == {}


@pytest.mark.parametrize("field, value", [
    ("amount_cents", True),  # `true` is not 1
    ("amount_cents", "100"),  # a string is not a number
    ("amount_cents", -1),
    ("trial_days", 2**31),
    ("name", "Gold\u0000"),
    ("currency", "US$"),
    ("colour", "gold"),  # a field nobody declared
])
async def test_odd_plan_fields_are_refused_by_name_and_stripe_never_hears_of_them(api, stripe_fake, field, value):
    body = {"id": "gold", "name": "Gold", "amount_cents": 4900, field: value}
    assert f"body.{field}" in problem_fields(await api.post("/plans", json=body))
    assert writes_at_stripe(stripe_fake) == []


async def test_a_nul_in_a_subscriptions_client_id_is_a_422_naming_it(api, billing):
    plan_id = await plan(billing)
    response = await api.post("/subscriptions", json={"client_id": "c\u0000", "plan_id": plan_id}, headers=key())
    assert problem_fields(response) == ["body.client_id"]


async def test_a_coupon_with_a_third_of_a_cent_percentage_or_a_boolean_limit_is_refused(api):
    for body, field in [({"id": "THIRD", "percent_off": 33.333}, "body.percent_off"),
                        ({"id": "FLAG", "percent_off": True}, "body.percent_off"),
                        ({"id": "LIMIT", "percent_off": 10, "max_redemptions": True}, "body.max_redemptions")]:
        assert field in problem_fields(await api.post("/coupons", json=body)), body


async def test_odd_path_query_and_header_values_are_refused_by_name(api):
    assert "query.client_id" in problem_fields(await api.get("/subscriptions", params={"client_id": "a\u0000"}))
    assert "path.request_id" in problem_fields(await api.post("/cancellations/not-a-uuid/confirm"))
    # (uvicorn itself answers 400 to a C0 control in a header; a C1 one, legal HTTP, reaches us)
    refused = await api.post("/subscriptions/sub_1/pause", headers={"Idempotency-Key": b"key\x85key\x85"})
    assert "header.Idempotency-Key" in problem_fields(refused)


async def test_the_connection_a_bad_request_came_on_stays_open_for_the_next(api):
    door = tuple(TEST_API_HEADERS.items())
    statuses = await on_one_connection(api.base_url.port, [
        Sent("POST", "/plans", b'{"id": "huge", "name": "Huge", "amount_cents": 10000000000000000000}', headers=door),
        Sent("POST", "/subscriptions", b'{"client_id": "c\\u0000", "plan_id": "gold"}',
             headers=(("Idempotency-Key", str(uuid.uuid4())), *door)),
        Sent("GET", "/subscriptions", headers=door),
    ])
    assert statuses == [422, 422, 200]
