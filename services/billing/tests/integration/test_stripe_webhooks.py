"""Stripe's events: each applied once, in any order, converging to Stripe's state (E4, E9),
and never reviving a deleted client (D7)."""
import asyncio
import itertools

import pytest
from sqlalchemy import text

from billing import SERVICE
from billing_testing import HeldStripeReads, Webhooks, apply_event, command, outbox, plan, scalar, unique
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.envelope import Envelope
from revgen_common.unit_of_work import UnitOfWork

LIFECYCLE = ("customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
             "invoice.paid")


def events_of(stripe_fake, since: int, *types: str) -> list[dict]:
    return [e for e in stripe_fake.state.events[since:] if not types or e["type"] in types]


async def lifecycle_at_stripe(billing, gateway, stripe_fake, plan_id: str, next_plan_id: str) -> tuple[str, list[dict]]:
    """Made directly at Stripe (not through billing), so only the events tell billing about it."""
    since = len(stripe_fake.state.events)
    client_id = unique("client")
    prices = {p: await scalar(billing.engine, "SELECT stripe_price_id FROM plans WHERE id = :p", p=p)
              for p in (plan_id, next_plan_id)}
    v1 = gateway.v1
    customer = await v1.customers.create_async({"metadata": {"client_id": client_id}, "phone": "+15550001234"})
    sub = await v1.subscriptions.create_async({"customer": customer.id, "items": [{"price": prices[plan_id]}],
                                               "metadata": {"client_id": client_id}})
    await v1.subscriptions.update_async(sub.id, {"items": [{"id": sub["items"].data[0].id, "price": prices[next_plan_id]}]})
    await v1.subscriptions.cancel_async(sub.id)
    return sub.id, events_of(stripe_fake, since, *LIFECYCLE)


async def test_every_order_of_a_lifecycles_webhooks_converges_to_stripes_state(billing, gateway, stripe_fake):
    plan_id, next_plan_id = await plan(billing), await plan(billing)
    for order in itertools.permutations(range(4)):
        subscription_id, events = await lifecycle_at_stripe(billing, gateway, stripe_fake, plan_id, next_plan_id)
        assert sorted(e["type"] for e in events) == sorted(LIFECYCLE)
        for index in order:
            await apply_event(billing, events[index])
        at_stripe = stripe_fake.state.subscriptions[subscription_id]
        assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=subscription_id) == \
            at_stripe["status"] == "canceled", order
        assert await scalar(billing.engine, "SELECT plan_id FROM subscriptions WHERE id = :s", s=subscription_id) == next_plan_id
        assert await scalar(billing.engine, """SELECT status FROM invoices WHERE subscription_id = :s""",
                            s=subscription_id) == "paid"
    paid = await outbox(billing.engine, "billing.events", "PaymentSucceeded")
    assert len(paid) == 24 and len({p["payload"]["invoice_id"] for p in paid}) == 24


async def test_each_webhook_delivered_5_times_has_one_effect_and_one_receipt(billing, gateway, stripe_fake):
    plan_id = await plan(billing)
    since = len(stripe_fake.state.events)
    cmd = command(plan_id, phone="+15550009876")
    done = await billing.saga.create(cmd)
    events = events_of(stripe_fake, since)
    assert any(e["type"] == "invoice.paid" for e in events)
    applied = [await apply_event(billing, e) for e in events * 5]
    assert sum(applied) == len(events)  # the ledger: the other 4 copies of each change nothing
    receipts = await outbox(billing.engine, "messaging.commands", "SendMessage")
    assert len(receipts) == 1 and receipts[0]["payload"]["purpose"] == "payment_receipt"
    assert receipts[0]["payload"]["to"] == "+15550009876"
    assert len(await outbox(billing.engine, "billing.events", "PaymentSucceeded")) == 1
    assert len(await outbox(billing.engine, "billing.events", "SubscriptionActivated")) == 1
    assert await scalar(billing.engine, "SELECT count(*) FROM subscriptions WHERE id = :s", s=done.subscription_id) == 1


async def test_failures_refunds_disputes_and_actions_become_one_outcome_each(billing, stripe_fake):
    plan_id = await plan(billing)
    done = await billing.saga.create(command(plan_id))
    state = stripe_fake.state
    since = len(state.events)
    state.renew(done.subscription_id, paid=False)
    state.require_action(done.subscription_id)
    charge = next(c for c in state.charges.values() if c["customer"] == state.subscriptions[done.subscription_id]["customer"])
    state.refund(charge["id"], amount=100)
    dispute = state.open_dispute(charge["id"])
    state.close_dispute(dispute["id"], "lost")
    for event in events_of(stripe_fake, since) * 2:
        await apply_event(billing, event)
    kinds = [m["type"] for m in await outbox(billing.engine, "billing.events")]
    for outcome in ("PaymentFailed", "PaymentActionRequired", "PaymentRefunded", "DisputeOpened", "DisputeClosed"):
        assert kinds.count(outcome) == 1, (outcome, kinds)
    assert await scalar(billing.engine, "SELECT status FROM disputes WHERE id = :d", d=dispute["id"]) == "lost"
    assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=done.subscription_id) == \
        state.subscriptions[done.subscription_id]["status"]


async def test_events_for_a_deleted_client_never_bring_its_subscription_back(billing, stripe_fake):
    plan_id = await plan(billing)
    cmd = command(plan_id)
    done = await billing.saga.create(cmd)
    since = len(stripe_fake.state.events)
    async with UnitOfWork(billing.engine, SERVICE) as uow:
        await billing.client_events.client_deleted(Delivered.of(
            Envelope(type="ClientDeleted", producer="identity", key=cmd.client_id,
                     payload={"client_id": cmd.client_id, "deleted_by": "agency-owner"})), HandlerContext(uow))
        await uow.commit()
    assert stripe_fake.state.subscriptions[done.subscription_id]["status"] == "canceled"  # B3

    stripe_fake.state.silently_set_status(done.subscription_id, "active")  # a stale or wrong "active"
    for event in events_of(stripe_fake, 0, "customer.subscription.created", "customer.subscription.updated"):
        if event["data"]["object"]["id"] == done.subscription_id:
            await apply_event(billing, {**event, "id": unique("evt")})  # as if delivered anew
    assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=done.subscription_id) == "canceled"
    assert stripe_fake.state.subscriptions[done.subscription_id]["status"] == "canceled"
    assert len([e for e in events_of(stripe_fake, since) if e["type"] == "customer.subscription.deleted"]) >= 1


async def test_checkout_customer_payment_method_and_stripe_side_pause_events_reach_local_state(
        billing, gateway, stripe_fake):
    webhooks = Webhooks(stripe_fake.state)
    plan_id = await plan(billing)
    price = await scalar(billing.engine, "SELECT stripe_price_id FROM plans WHERE id = :p", p=plan_id)
    client_id = unique("client")
    session = await gateway.v1.checkout.sessions.create_async({
        "mode": "subscription", "line_items": [{"price": price, "quantity": 1}], "success_url": "https://x.example/ok",
        "client_reference_id": client_id, "subscription_data": {"metadata": {"client_id": client_id}}})
    stripe_fake.state.complete_checkout(session.id)
    await webhooks.deliver(billing)
    sub = await scalar(billing.engine, "SELECT id FROM subscriptions WHERE client_id = :c AND status = 'active'", c=client_id)
    customer = stripe_fake.state.subscriptions[sub]["customer"]
    assert await scalar(billing.engine, "SELECT stripe_customer_id FROM billing_accounts WHERE client_id = :c",
                        c=client_id) == customer

    await gateway.v1.customers.update_async(customer, {"phone": "+15550007777"})
    stripe_fake.state.attach_payment_method(customer)
    stripe_fake.state.pause(sub)
    await webhooks.deliver(billing)
    account = await scalar(billing.engine, "SELECT phone || ' ' || has_payment_method FROM billing_accounts WHERE client_id = :c",
                           c=client_id)
    assert account == "+15550007777 true"
    kinds = [m["type"] for m in await outbox(billing.engine, "billing.events") if m["client_id"] == client_id]
    assert kinds == ["SubscriptionActivated", "PaymentSucceeded", "SubscriptionPaused"]


async def test_the_saga_commit_racing_its_created_webhook_publishes_one_subscription_activated(
        billing, gateway, stripe_fake):
    cmd = command(await plan(billing))
    since = len(stripe_fake.state.events)

    def stop_before_the_local_commit(name):
        if name == "subscription_created":
            raise RuntimeError("stopped before the local commit")

    billing.saga.checkpoint = stop_before_the_local_commit
    with pytest.raises(RuntimeError):
        await billing.saga.create(cmd)
    billing.saga.checkpoint = lambda name: None
    [created] = events_of(stripe_fake, since, "customer.subscription.created")

    reads = HeldStripeReads(gateway)
    both = asyncio.gather(billing.saga.recover(), apply_event(billing, created))
    await reads.waiting.wait()
    await asyncio.sleep(0.5)  # time for the other one to read Stripe too, unless it waits for the first
    reads.release()
    await both
    assert (await billing.saga.result(cmd.command_id)).state == "completed"
    activated = [m for m in await outbox(billing.engine, "billing.events", "SubscriptionActivated")
                 if m["client_id"] == cmd.client_id]
    assert len(activated) == 1


async def test_a_webhook_for_a_customer_no_client_owns_is_not_consumed_and_is_reported_by_its_event_id(
        billing, gateway, stripe_fake):
    price = await scalar(billing.engine, "SELECT stripe_price_id FROM plans WHERE id = :p", p=await plan(billing))
    since = len(stripe_fake.state.events)
    customer = await gateway.v1.customers.create_async({"email": "someone@example.com"})
    subscription = await gateway.v1.subscriptions.create_async({"customer": customer.id, "items": [{"price": price}]})
    [created] = events_of(stripe_fake, since, "customer.subscription.created")

    assert await apply_event(billing, created) is False
    assert await scalar(billing.engine, "SELECT count(*) FROM stripe_events WHERE id = :e", e=created["id"]) == 0
    assert await scalar(billing.engine, "SELECT kind FROM discrepancies WHERE object_id = :e",
                        e=created["id"]) == "unknown_customer"

    client_id = unique("client")  # later the customer turns out to be a client's: the retry applies it
    async with billing.engine.begin() as db:
        await db.execute(text("INSERT INTO billing_accounts (client_id, stripe_customer_id) VALUES (:c, :cus)"),
                         {"c": client_id, "cus": customer.id})
    assert await apply_event(billing, created) is True
    assert await scalar(billing.engine, "SELECT client_id FROM subscriptions WHERE id = :s", s=subscription.id) == client_id


async def test_a_deleted_stripe_customer_is_forgotten_by_its_account(billing, gateway, stripe_fake):
    cmd = command(await plan(billing))
    await billing.saga.create(cmd)
    customer_id = await scalar(billing.engine, "SELECT stripe_customer_id FROM billing_accounts WHERE client_id = :c",
                               c=cmd.client_id)
    since = len(stripe_fake.state.events)
    await gateway.v1.customers.delete_async(customer_id)
    [deleted] = events_of(stripe_fake, since, "customer.deleted")
    await apply_event(billing, deleted)
    assert await scalar(billing.engine, "SELECT stripe_customer_id FROM billing_accounts WHERE client_id = :c",
                        c=cmd.client_id) is None


async def test_events_that_change_nothing_are_recorded_once_and_publish_nothing(billing, stripe_fake):
    """checkout.session.expired, customer.subscription.trial_will_end and invoice.finalization_failed:
    recorded in the ledger (so reconciliation does not report them missing), no outcome."""
    plan_id = await plan(billing)
    since = len(stripe_fake.state.events)
    done = await billing.saga.create(command(plan_id))
    created = events_of(stripe_fake, since)
    sub_event = next(e for e in created if e["type"].startswith("customer.subscription."))
    invoice_event = next(e for e in created if e["type"].startswith("invoice."))
    quiet = [
        {**sub_event, "id": unique("evt"), "type": "customer.subscription.trial_will_end"},
        {**invoice_event, "id": unique("evt"), "type": "invoice.finalization_failed"},
        {**invoice_event, "id": unique("evt"), "type": "checkout.session.expired", "data": {"object": {
            "id": unique("cs"), "object": "checkout.session", "status": "expired",
            "customer": invoice_event["data"]["object"]["customer"], "subscription": None}}},
    ]
    for event in created:
        await apply_event(billing, event)
    published = [len(await outbox(billing.engine, t)) for t in ("billing.events", "messaging.commands")]
    status = await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=done.subscription_id)

    assert [await apply_event(billing, e) for e in quiet] == [True, True, True]
    assert [await apply_event(billing, e) for e in quiet] == [False, False, False]  # the ledger
    assert [len(await outbox(billing.engine, t)) for t in ("billing.events", "messaging.commands")] == published
    assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=done.subscription_id) == status
    assert await scalar(billing.engine, "SELECT count(*) FROM stripe_events WHERE id = ANY(:ids)",
                        ids=[e["id"] for e in quiet]) == 3
