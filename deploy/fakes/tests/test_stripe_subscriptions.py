import pytest
import stripe

from stripe_fake_fixtures import catalog, fake  # noqa: F401  (fixtures)


async def subscribe(fake, customer, price, **params):
    return await fake.client.v1.subscriptions.create_async(params={
        "customer": customer.id, "items": [{"price": price.id, "quantity": 1}], **params})


async def test_a_created_subscription_parses_into_sdk_objects_in_the_current_shape(fake, catalog):
    customer, price = catalog
    subscription = await subscribe(fake, customer, price, metadata={"command_id": "cmd-1"})
    assert isinstance(subscription, stripe.Subscription)
    assert subscription.id.startswith("sub_") and subscription.status == "active"
    assert subscription.customer == customer.id and subscription.metadata.to_dict() == {"command_id": "cmd-1"}
    item = subscription["items"].data[0]
    assert isinstance(item, stripe.SubscriptionItem) and item.id.startswith("si_")
    assert item.price.id == price.id and item.price.recurring.interval == "month"
    assert item.current_period_start == fake.clock.now and item.current_period_end > item.current_period_start
    assert subscription.cancel_at_period_end is False and subscription.pause_collection is None
    invoice = await fake.client.v1.invoices.retrieve_async(subscription.latest_invoice)
    assert (invoice.status, invoice.amount_paid, invoice.attempt_count) == ("paid", 4900, 1)
    assert invoice.parent.subscription_details.subscription == subscription.id
    assert invoice.parent.subscription_details.metadata.to_dict() == {"command_id": "cmd-1"}


async def test_retrieve_returns_what_create_returned(fake, catalog):
    created = await subscribe(fake, *catalog)
    retrieved = await fake.client.v1.subscriptions.retrieve_async(created.id)
    assert retrieved.to_dict() == created.to_dict()


async def test_a_trial_starts_trialing_with_a_zero_amount_paid_invoice(fake, catalog):
    subscription = await subscribe(fake, *catalog, trial_period_days=14)
    assert subscription.status == "trialing"
    assert subscription.trial_end - subscription.trial_start == 14 * 86400
    assert subscription["items"].data[0].current_period_end == subscription.trial_end
    invoice = await fake.client.v1.invoices.retrieve_async(subscription.latest_invoice)
    assert (invoice.status, invoice.amount_due) == ("paid", 0)


async def test_a_declined_first_payment_leaves_the_subscription_incomplete_with_an_open_invoice(fake, catalog):
    customer, price = catalog
    fake.state.fail_payments_for(customer.id)
    subscription = await subscribe(fake, customer, price)
    assert subscription.status == "incomplete"
    invoice = await fake.client.v1.invoices.retrieve_async(subscription.latest_invoice)
    assert (invoice.status, invoice.attempt_count) == ("open", 1)
    assert fake.state.events[-1]["type"] == "invoice.payment_failed"
    with pytest.raises(stripe.CardError):
        await subscribe(fake, customer, price, payment_behavior="error_if_incomplete")


async def test_updates_change_plan_schedule_cancellation_and_pause_collection(fake, catalog):
    customer, price = catalog
    subscription = await subscribe(fake, customer, price, metadata={"a": "1"})
    yearly = await fake.client.v1.prices.create_async(params={
        "product": price.product, "unit_amount": 49000, "currency": "usd", "recurring": {"interval": "year"}})
    item_id = subscription["items"].data[0].id
    updated = await fake.client.v1.subscriptions.update_async(subscription.id, params={
        "items": [{"id": item_id, "price": yearly.id}], "cancel_at_period_end": True,
        "pause_collection": {"behavior": "void"}, "metadata": {"b": "2"}})
    assert updated["items"].data[0].id == item_id and updated["items"].data[0].price.id == yearly.id
    assert updated.cancel_at_period_end is True
    assert updated.cancel_at == updated["items"].data[0].current_period_end
    assert updated.pause_collection.behavior == "void" and updated.metadata.to_dict() == {"a": "1", "b": "2"}
    event = fake.state.events[-1]
    assert event["type"] == "customer.subscription.updated"
    assert event["data"]["previous_attributes"]["cancel_at_period_end"] is False
    cleared = await fake.client.v1.subscriptions.update_async(subscription.id, params={"pause_collection": ""})
    assert cleared.pause_collection is None


async def test_cancel_ends_the_subscription_now_and_lists_leave_it_out_unless_asked(fake, catalog):
    customer, price = catalog
    kept, canceled = await subscribe(fake, customer, price), await subscribe(fake, customer, price)
    result = await fake.client.v1.subscriptions.cancel_async(canceled.id)
    assert result.status == "canceled" and result.canceled_at == result.ended_at == fake.clock.now
    assert fake.state.events[-1]["type"] == "customer.subscription.deleted"
    default = await fake.client.v1.subscriptions.list_async(params={"customer": customer.id})
    everything = await fake.client.v1.subscriptions.list_async(params={"customer": customer.id, "status": "all"})
    assert [s.id for s in default.data] == [kept.id]
    assert [s.id for s in everything.data] == [canceled.id, kept.id]
    with pytest.raises(stripe.InvalidRequestError):
        await fake.client.v1.subscriptions.update_async(canceled.id, params={"cancel_at_period_end": True})


async def test_pause_and_resume_move_the_status_and_resume_refuses_active_subscriptions(fake, catalog):
    subscription = await subscribe(fake, *catalog)
    with pytest.raises(stripe.InvalidRequestError):
        await fake.client.v1.subscriptions.resume_async(subscription.id)
    fake.state.pause(subscription.id)
    assert fake.state.events[-1]["type"] == "customer.subscription.paused"
    resumed = await fake.client.v1.subscriptions.resume_async(subscription.id)
    assert resumed.status == "active" and fake.state.events[-1]["type"] == "customer.subscription.resumed"


async def test_coupon_redemptions_are_counted_and_refused_beyond_max_redemptions(fake, catalog):
    customer, price = catalog
    coupon = await fake.client.v1.coupons.create_async(params={
        "id": "LAUNCH", "percent_off": 20, "duration": "once", "max_redemptions": 1})
    subscription = await subscribe(fake, customer, price, discounts=[{"coupon": coupon.id}])
    invoice = await fake.client.v1.invoices.retrieve_async(subscription.latest_invoice)
    assert invoice.amount_due == 3920 and invoice.discounts == subscription.discounts
    coupon = await fake.client.v1.coupons.retrieve_async("LAUNCH")
    assert (coupon.times_redeemed, coupon.valid) == (1, False)
    subscriptions_before = len(fake.state.subscriptions)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await subscribe(fake, customer, price, discounts=[{"coupon": "LAUNCH"}])
    assert refused.value.param == "discounts[0][coupon]"
    assert len(fake.state.subscriptions) == subscriptions_before


async def test_an_update_with_discounts_replaces_the_subscriptions_discount_and_refuses_a_coupon_past_its_redeem_by(
        fake, catalog):
    customer, price = catalog
    first = await fake.client.v1.coupons.create_async(params={"id": "FIRST", "percent_off": 10, "duration": "once"})
    later = await fake.client.v1.coupons.create_async(params={
        "id": "LATER", "percent_off": 30, "duration": "forever", "redeem_by": fake.clock.now + 3600})
    subscription = await subscribe(fake, customer, price, discounts=[{"coupon": first.id}])
    updated = await fake.client.v1.subscriptions.update_async(subscription.id, params={
        "discounts": [{"coupon": later.id}]})
    (discount,) = updated.discounts
    assert discount != subscription.discounts[0] and fake.state.discounts[discount]["coupon"]["id"] == "LATER"
    kept = await fake.client.v1.subscriptions.update_async(subscription.id, params={
        "discounts": [{"discount": discount}]})
    assert kept.discounts == [discount] and fake.state.coupons["LATER"]["times_redeemed"] == 1
    fake.clock.advance(3600)
    other = await subscribe(fake, customer, price)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await fake.client.v1.subscriptions.update_async(other.id, params={"discounts": [{"coupon": "LATER"}]})
    assert refused.value.code == "coupon_expired" and refused.value.param == "discounts[0][coupon]"
    assert (await fake.client.v1.subscriptions.retrieve_async(other.id)).discounts == []


async def test_search_finds_subscriptions_and_customers_by_metadata(fake, catalog):
    customer, price = catalog
    wanted = await subscribe(fake, customer, price, metadata={"command_id": "x"})
    await subscribe(fake, customer, price, metadata={"command_id": "y"})
    found = await fake.client.v1.subscriptions.search_async(params={"query": "metadata['command_id']:'x'"})
    assert isinstance(found, stripe.SearchResultObject) and [s.id for s in found.data] == [wanted.id]
    customers = await fake.client.v1.customers.search_async(params={"query": "metadata['client_id']:'abc'"})
    assert [c.id for c in customers.data] == [customer.id]
    none = await fake.client.v1.customers.search_async(params={"query": "metadata['client_id']:'zzz'"})
    assert none.data == []


async def test_unknown_ids_are_404_resource_missing_naming_the_id(fake):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await fake.client.v1.subscriptions.retrieve_async("sub_x")
    error = missing.value
    assert (error.http_status, error.code, error.param) == (404, "resource_missing", "id")
    assert error.user_message == "No such subscription: 'sub_x'" and error.request_id.startswith("req_")


async def test_bad_params_are_400s_naming_the_param(fake, catalog):
    customer, price = catalog
    cases = [({"customer": customer.id}, "items"),
             ({"customer": customer.id, "items": [{"price": "price_nope"}]}, "items[0][price]"),
             ({"customer": customer.id, "items": [{"price": price.id}], "trial_period_days": "x"},
              "trial_period_days"),
             ({"customer": customer.id, "items": [{"price": price.id}], "colour": "red"}, "colour")]
    for params, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as refused:
            await fake.client.v1.subscriptions.create_async(params=params)
        assert (refused.value.http_status, refused.value.param) == (400, param)


async def test_requests_without_a_secret_key_are_refused_with_401(fake):
    with pytest.raises(stripe.AuthenticationError):
        await fake.client_with_key("pk_test_publishable").v1.customers.list_async()


async def test_customers_list_by_email_and_deleting_cancels_their_subscriptions(fake, catalog):
    customer, price = catalog
    subscription = await subscribe(fake, customer, price)
    listed = await fake.client.v1.customers.list_async(params={"email": "a@example.com"})
    assert [c.id for c in listed.data] == [customer.id]
    deleted = await fake.client.v1.customers.delete_async(customer.id)
    assert deleted.deleted is True
    assert fake.state.subscriptions[subscription.id]["status"] == "canceled"


async def test_checkout_session_completes_into_a_subscription_with_its_metadata(fake, catalog):
    customer, price = catalog
    session = await fake.client.v1.checkout.sessions.create_async(params={
        "mode": "subscription", "customer": customer.id, "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": "https://example.com/ok", "client_reference_id": "client-1",
        "subscription_data": {"metadata": {"client_id": "abc"}}})
    assert session.status == "open" and session.url.startswith("https://checkout.stripe.com/")
    fake.state.complete_checkout(session.id)
    completed = await fake.client.v1.checkout.sessions.retrieve_async(session.id)
    assert (completed.status, completed.payment_status) == ("complete", "paid")
    subscription = await fake.client.v1.subscriptions.retrieve_async(completed.subscription)
    assert subscription.metadata.to_dict() == {"client_id": "abc"} and subscription.status == "active"
    assert fake.state.events[-1]["type"] == "checkout.session.completed"
    with pytest.raises(stripe.InvalidRequestError):
        await fake.client.v1.checkout.sessions.expire_async(session.id)


async def test_expand_replaces_an_id_with_its_object(fake, catalog):
    subscription = await subscribe(fake, *catalog, expand=["latest_invoice", "customer"])
    assert isinstance(subscription.latest_invoice, stripe.Invoice) and subscription.latest_invoice.status == "paid"
    assert subscription.customer.email == "a@example.com"
    assert isinstance(fake.state.subscriptions[subscription.id]["latest_invoice"], str)  # stored unexpanded


async def test_an_attached_payment_method_becomes_the_default_and_pays_the_next_charge(fake, catalog):
    customer, price = catalog
    method = fake.state.attach_payment_method(customer.id)
    assert fake.state.events[-2]["type"] == "payment_method.attached"
    refreshed = await fake.client.v1.customers.retrieve_async(customer.id)
    assert refreshed.invoice_settings.default_payment_method == method["id"]
    await subscribe(fake, customer, price)
    [charge] = fake.state.charges.values()
    assert charge["payment_method"] == method["id"]
