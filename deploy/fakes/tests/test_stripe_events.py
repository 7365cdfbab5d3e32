import pytest
import stripe

from stripe_fake_fixtures import catalog, fake  # noqa: F401  (fixtures)


async def subscribe(fake, customer, price, **params):
    return await fake.client.v1.subscriptions.create_async(params={
        "customer": customer.id, "items": [{"price": price.id}], **params}, options={"idempotency_key": "key-1"})


async def test_events_carry_a_snapshot_after_the_change_and_the_request_that_caused_it(fake, catalog):
    subscription = await subscribe(fake, *catalog)
    created = next(e for e in fake.state.events if e["type"] == "customer.subscription.created")
    assert created["id"].startswith("evt_") and created["api_version"] == "2026-10-28.endive"
    assert created["data"]["object"]["id"] == subscription.id and created["data"]["object"]["status"] == "active"
    assert created["request"]["idempotency_key"] == "key-1" and created["request"]["id"].startswith("req_")
    await fake.client.v1.subscriptions.update_async(subscription.id, params={"metadata": {"x": "1"}})
    assert created["data"]["object"]["metadata"] == {}  # snapshots do not follow later changes


async def test_events_list_newest_first_and_pages_with_starting_after(fake, catalog):
    await subscribe(fake, *catalog)
    first_page = await fake.client.v1.events.list_async(params={"limit": 3})
    assert [e.id for e in first_page.data] == [e["id"] for e in reversed(fake.state.events)][:3]
    assert first_page.has_more is True
    every = [event.id async for event in first_page.auto_paging_iter()]
    assert every == [e["id"] for e in reversed(fake.state.events)]
    one = await fake.client.v1.events.retrieve_async(every[-1])
    assert one.type == "product.created"


async def test_events_filter_by_type_pattern_types_and_creation_time(fake, catalog):
    fake.clock.advance(100)
    await subscribe(fake, *catalog)
    invoices = await fake.client.v1.events.list_async(params={"type": "invoice.*", "limit": 100})
    assert {e.type for e in invoices.data} == {"invoice.created", "invoice.finalized", "invoice.paid",
                                               "invoice.payment_succeeded"}
    chosen = await fake.client.v1.events.list_async(params={"types": ["invoice.paid", "charge.succeeded"]})
    assert sorted(e.type for e in chosen.data) == ["charge.succeeded", "invoice.paid"]
    recent = await fake.client.v1.events.list_async(params={"created": {"gte": fake.clock.now}, "limit": 100})
    assert "customer.created" not in {e.type for e in recent.data} and recent.data


async def test_subscribers_get_each_event_unless_it_was_dropped(fake, catalog):
    received, already = [], len(fake.state.events)
    fake.state.subscribe(received.append)
    fake.state.drop_event("customer.subscription.created")
    subscription = await subscribe(fake, *catalog)
    assert "customer.subscription.created" not in [e["type"] for e in received]
    assert [e["type"] for e in fake.state.undelivered] == ["customer.subscription.created"]
    listed = await fake.client.v1.events.list_async(params={"type": "customer.subscription.created"})
    assert listed.data[0].data.object.id == subscription.id  # still visible to reconciliation
    assert [e["id"] for e in received] == [e["id"] for e in fake.state.events[already:]
                                           if e not in fake.state.undelivered]


async def test_a_failing_subscriber_does_not_fail_the_api_request(fake, catalog):
    def broken(event):
        raise RuntimeError("webhook endpoint down")

    fake.state.subscribe(broken)
    assert (await subscribe(fake, *catalog)).status == "active"


async def test_renewals_invoice_the_next_period_paid_or_declined(fake, catalog):
    subscription = await subscribe(fake, *catalog)
    period_end = subscription["items"].data[0].current_period_end
    fake.clock.now = period_end
    paid = fake.state.renew(subscription.id, paid=True)
    assert paid["status"] == "paid" and paid["billing_reason"] == "subscription_cycle"
    declined = fake.state.renew(subscription.id, paid=False)
    assert declined["status"] == "open" and fake.state.subscriptions[subscription.id]["status"] == "past_due"
    types = [e["type"] for e in fake.state.events]
    assert types[-2:] == ["invoice.payment_failed", "customer.subscription.updated"]
    assert fake.state.events[-1]["data"]["previous_attributes"]["status"] == "active"
    fake.state.pay_invoice(declined["id"])
    assert fake.state.subscriptions[subscription.id]["status"] == "active"


async def test_cancel_at_period_end_makes_the_renewal_end_the_subscription(fake, catalog):
    subscription = await subscribe(fake, *catalog, cancel_at_period_end=True)
    assert fake.state.renew(subscription.id) is None
    assert fake.state.subscriptions[subscription.id]["status"] == "canceled"
    assert fake.state.events[-1]["type"] == "customer.subscription.deleted"


async def test_action_required_and_finalization_failures_emit_their_events(fake, catalog):
    subscription = await subscribe(fake, *catalog)
    fake.state.require_action(subscription.id)
    assert "invoice.payment_action_required" in [e["type"] for e in fake.state.events[-3:]]
    draft = fake.state.fail_finalization(subscription.id)
    assert draft["status"] == "draft" and draft["last_finalization_error"] is not None
    assert "invoice.finalization_failed" in [e["type"] for e in fake.state.events[-3:]]


async def test_refunds_and_disputes_change_the_charge_and_emit_events(fake, catalog):
    subscription = await subscribe(fake, *catalog)
    payments = await fake.client.v1.invoice_payments.list_async(params={"invoice": subscription.latest_invoice})
    payment_intent = payments.data[0].payment.payment_intent
    [charge] = (await fake.client.v1.charges.list_async(params={"payment_intent": payment_intent})).data
    fake.state.refund(charge.id, amount=900)
    refunded = await fake.client.v1.charges.retrieve_async(charge.id)
    assert (refunded.amount_refunded, refunded.refunded) == (900, False)
    assert fake.state.events[-1]["type"] == "charge.refunded"
    dispute = fake.state.open_dispute(charge.id)
    fake.state.close_dispute(dispute["id"], status="lost")
    closed = await fake.client.v1.disputes.retrieve_async(dispute["id"])
    assert (closed.status, closed.charge, closed.amount) == ("lost", charge.id, 4000)
    assert [e["type"] for e in fake.state.events[-2:]] == ["charge.dispute.created", "charge.dispute.closed"]


async def test_drift_changes_state_without_any_event(fake, catalog):
    customer, price = catalog
    kept, deleted = await subscribe(fake, customer, price), await fake.client.v1.subscriptions.create_async(
        params={"customer": customer.id, "items": [{"price": price.id}]})
    events = len(fake.state.events)
    fake.state.silently_set_status(kept.id, "past_due")
    stray = fake.state.silently_create_subscription(customer.id, price.id, metadata={"command_id": "ghost"})
    fake.state.silently_delete(deleted.id)
    assert len(fake.state.events) == events
    assert (await fake.client.v1.subscriptions.retrieve_async(kept.id)).status == "past_due"
    assert (await fake.client.v1.subscriptions.retrieve_async(stray["id"])).status == "active"
    with pytest.raises(stripe.InvalidRequestError):
        await fake.client.v1.subscriptions.retrieve_async(deleted.id)
    fake.state.silently_cancel(kept.id)
    assert {s["id"] for s in fake.state.live_subscriptions()} == {stray["id"]}
    assert len(fake.state.events) == events


async def test_controls_are_reachable_over_http_for_other_processes(fake, catalog):
    subscription = await subscribe(fake, *catalog)
    response = await fake.http.post("/_fake/control/renew", json={"subscription_id": subscription.id, "paid": False})
    assert response.status_code == 200 and response.json()["status"] == "open"
    refused = await fake.http.post("/_fake/control/renew", json={"subscription_id": "sub_x"})
    assert refused.status_code == 404
    assert (await fake.http.post("/_fake/expire-idempotency-keys")).status_code == 200
    counts = (await fake.http.get("/_fake/state")).json()
    assert counts["subscription"] == 1 and counts["idempotency_keys"] == 0 and counts["event"] == len(fake.state.events)


async def test_trial_will_end_is_only_for_trialing_subscriptions(fake, catalog):
    trialing = await subscribe(fake, *catalog, trial_period_days=7)
    event = fake.state.trial_will_end(trialing.id)
    assert event["type"] == "customer.subscription.trial_will_end" and event["data"]["object"]["id"] == trialing.id
    fake.state.renew(trialing.id)
    assert fake.state.subscriptions[trialing.id]["status"] == "active"
    with pytest.raises(ValueError):
        fake.state.trial_will_end(trialing.id)
