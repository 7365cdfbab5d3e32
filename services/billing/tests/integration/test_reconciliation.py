"""Reconciliation finds every drift injected straight into Stripe in one run, records each
once (however many runs, however concurrent), repairs what it can and alerts (E2)."""
import asyncio
import copy
from datetime import timedelta

from sqlalchemy import text

from billing.service_layer.reconciliation import Reconciliation
from billing_testing import Webhooks, command, outbox, plan, scalar


async def drifts(engine) -> set[tuple[str, str]]:
    async with engine.connect() as db:
        return {(r.kind, r.object_id) for r in await db.execute(text("SELECT kind, object_id FROM discrepancies"))}


async def test_one_run_finds_every_drift_injected_at_stripe_and_a_second_run_finds_none(billing, stripe_fake):
    webhooks = Webhooks(stripe_fake.state)
    plan_id = await plan(billing)
    subs = [(await billing.saga.create(command(plan_id))).subscription_id for _ in range(4)]
    await webhooks.deliver(billing)  # before the drift: a late webhook re-fetches, and would repair it
    state = stripe_fake.state
    state.silently_set_status(subs[0], "past_due")
    state.silently_cancel(subs[1])
    state.silently_delete(subs[2])
    customer = state.subscriptions[subs[3]]["customer"]
    price = await scalar(billing.engine, "SELECT stripe_price_id FROM plans WHERE id = :p", p=plan_id)
    stray = state.silently_create_subscription(customer, price)
    state.drop_event("invoice.paid")  # a webhook Stripe sent that never reached us
    undelivered = await billing.saga.create(command(plan_id))
    dropped = state.undelivered[-1]
    await webhooks.deliver(billing)

    report = await billing.reconciliation.run()

    expected = {("status_mismatch", subs[0]), ("status_mismatch", subs[1]), ("missing_at_stripe", subs[2]),
                ("missing_locally", stray["id"]), ("undelivered_event", dropped["id"])}
    assert expected <= await drifts(billing.engine)
    assert len(await drifts(billing.engine)) == len(expected)
    assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=subs[0]) == "past_due"
    assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=subs[1]) == "canceled"
    assert await scalar(billing.engine, "SELECT status FROM invoices WHERE subscription_id = :s",
                        s=undelivered.subscription_id) == "paid"
    alerts = await outbox(billing.engine, "billing.events", "BillingDriftDetected")
    assert len(alerts) == len(expected) and len(report.drifts) == len(expected)

    again = await billing.reconciliation.run()
    assert [d for d in again.drifts if d[0] != "missing_at_stripe"] == []  # only the unrepairable one is seen again
    assert len(await outbox(billing.engine, "billing.events", "BillingDriftDetected")) == len(expected)


async def test_concurrent_reconciliations_record_each_drift_once(billing, stripe_fake):
    webhooks = Webhooks(stripe_fake.state)
    plan_id = await plan(billing)
    subs = [(await billing.saga.create(command(plan_id))).subscription_id for _ in range(3)]
    await webhooks.deliver(billing)
    for sub in subs:
        stripe_fake.state.silently_set_status(sub, "unpaid")
    published_before = len(await outbox(billing.engine, "billing.events"))
    await asyncio.gather(*(billing.reconciliation.run() for _ in range(4)))
    assert await drifts(billing.engine) == {("status_mismatch", s) for s in subs}
    published = (await outbox(billing.engine, "billing.events"))[published_before:]
    assert [m["type"] for m in published] == ["BillingDriftDetected"] * 3


async def test_a_subscription_stripe_fails_on_is_recorded_as_an_error_and_the_run_goes_on(billing, stripe_fake):
    webhooks = Webhooks(stripe_fake.state)
    plan_id = await plan(billing)
    failing, drifted = [(await billing.saga.create(command(plan_id))).subscription_id for _ in range(2)]
    await webhooks.deliver(billing)
    stripe_fake.state.silently_set_status(drifted, "past_due")
    stripe_fake.faults.script("500", method="GET", path_prefix=f"/v1/subscriptions/{failing}")

    report = await billing.reconciliation.run()

    assert ("reconciliation_error", failing) in await drifts(billing.engine)
    assert ("status_mismatch", drifted) in await drifts(billing.engine)
    assert report.subscriptions_checked == 2


async def test_events_younger_than_the_grace_window_are_not_reported_as_undelivered(billing, stripe_fake):
    stripe_fake.state.drop_event("invoice.paid")
    await billing.saga.create(command(await plan(billing)))
    dropped = stripe_fake.state.undelivered[-1]
    patient = Reconciliation(billing.engine, billing.stripe_events, event_grace=timedelta(minutes=10),
                             clock=billing.clock)

    await patient.run()
    assert ("undelivered_event", dropped["id"]) not in await drifts(billing.engine)
    await billing.reconciliation.run()  # no grace: it is overdue now
    assert ("undelivered_event", dropped["id"]) in await drifts(billing.engine)


async def test_a_plan_change_or_pause_made_silently_at_stripe_is_a_status_mismatch(billing, stripe_fake):
    webhooks = Webhooks(stripe_fake.state)
    basic, pro = await plan(billing), await plan(billing, amount_cents=9900)
    repriced, paused = [(await billing.saga.create(command(basic))).subscription_id for _ in range(2)]
    await webhooks.deliver(billing)
    pro_price = await scalar(billing.engine, "SELECT stripe_price_id FROM plans WHERE id = :p", p=pro)
    state = stripe_fake.state
    state.subscriptions[repriced]["items"]["data"][0]["price"] = copy.deepcopy(state.prices[pro_price])
    state.subscriptions[paused]["pause_collection"] = {"behavior": "void", "resumes_at": None}

    await billing.reconciliation.run()

    assert {("status_mismatch", repriced), ("status_mismatch", paused)} <= await drifts(billing.engine)
    assert await scalar(billing.engine, "SELECT plan_id FROM subscriptions WHERE id = :s", s=repriced) == pro
    assert await scalar(billing.engine, "SELECT paused FROM subscriptions WHERE id = :s", s=paused) is True
