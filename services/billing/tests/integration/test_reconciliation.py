"""Reconciliation finds every drift injected straight into Stripe in one run, records each
once (however many runs, however concurrent), repairs what it can and alerts (E2)."""
import asyncio

from sqlalchemy import text

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
