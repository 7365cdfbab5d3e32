"""Billing's API fuzzed through its OpenAPI document: no 5xx, no undocumented answer."""
import uuid

from revgen_testing.api_fuzzing import Target, fuzz


async def test_no_example_gets_a_5xx_or_an_undocumented_answer(served_billing):
    api = served_billing
    await api.post("/plans", json={"id": "fuzz-gold", "name": "Gold", "amount_cents": 4900})
    await api.post("/coupons", json={"id": "FUZZ10", "percent_off": 10})
    subscribed = (await api.post("/subscriptions", json={"client_id": "c-fuzz", "plan_id": "fuzz-gold"},
                                 headers={"Idempotency-Key": str(uuid.uuid4())})).json()
    openapi = (await api.get("/openapi.json")).json()
    report = await fuzz(Target(openapi, str(api.base_url), path_parameters={
        "plan_id": "fuzz-gold", "coupon_id": "FUZZ10", "subscription_id": subscribed["subscription_id"],
        "client_id": "c-fuzz"}))
    print(f"\nbilling: {report.summary()}")
    assert not report.failures, "\n\n".join(f"{op}: {failure}" for op, failure in report.failures.items())
    assert len(report.examples) == sum(len(methods) for methods in openapi["paths"].values())  # every operation
