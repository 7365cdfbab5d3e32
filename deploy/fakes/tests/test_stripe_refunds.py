"""POST /v1/refunds through the official SDK: a refund object, the charge's refunded
amount, charge.refunded, idempotency keys, and Stripe's refusals."""
import pytest
import stripe

from stripe_fake_fixtures import catalog, fake  # noqa: F401  (fixtures)


async def paid_charge(fake, customer, price):
    subscription = await fake.client.v1.subscriptions.create_async(params={
        "customer": customer.id, "items": [{"price": price.id}]})
    payments = await fake.client.v1.invoice_payments.list_async(params={"invoice": subscription.latest_invoice})
    [charge] = (await fake.client.v1.charges.list_async(
        params={"payment_intent": payments.data[0].payment.payment_intent})).data
    return charge


async def test_a_refund_gives_the_charge_back_and_emits_refund_created_and_charge_refunded(fake, catalog):
    charge = await paid_charge(fake, *catalog)
    refund = await fake.client.v1.refunds.create_async(params={"charge": charge.id, "reason": "requested_by_customer"},
                                                       options={"idempotency_key": "refund-1"})
    assert isinstance(refund, stripe.Refund) and refund.id.startswith("re_")
    assert (refund.amount, refund.charge, refund.status, refund.payment_intent) == (
        4900, charge.id, "succeeded", charge.payment_intent)
    after = await fake.client.v1.charges.retrieve_async(charge.id)
    assert (after.amount_refunded, after.refunded) == (4900, True)
    assert [e["type"] for e in fake.state.events[-2:]] == ["refund.created", "charge.refunded"]
    assert fake.state.events[-1]["data"]["object"]["amount_refunded"] == 4900
    assert (await fake.client.v1.refunds.retrieve_async(refund.id)).to_dict() == refund.to_dict()


async def test_the_same_idempotency_key_replays_the_refund_instead_of_refunding_again(fake, catalog):
    charge = await paid_charge(fake, *catalog)
    first = await fake.client.v1.refunds.create_async(params={"charge": charge.id, "amount": 1000},
                                                      options={"idempotency_key": "refund-once"})
    again = await fake.client.v1.refunds.create_async(params={"charge": charge.id, "amount": 1000},
                                                      options={"idempotency_key": "refund-once"})
    assert again.id == first.id and len(fake.state.refunds) == 1
    assert fake.state.charges[charge.id]["amount_refunded"] == 1000


async def test_a_refund_by_payment_intent_refunds_its_charge_in_parts_up_to_the_amount(fake, catalog):
    charge = await paid_charge(fake, *catalog)
    await fake.client.v1.refunds.create_async(params={"payment_intent": charge.payment_intent, "amount": 900})
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        await fake.client.v1.refunds.create_async(params={"charge": charge.id, "amount": 4001})
    assert too_much.value.code == "amount_too_large"
    rest = await fake.client.v1.refunds.create_async(params={"charge": charge.id})
    assert rest.amount == 4000 and fake.state.charges[charge.id]["refunded"] is True
    with pytest.raises(stripe.InvalidRequestError) as already:
        await fake.client.v1.refunds.create_async(params={"charge": charge.id})
    assert already.value.code == "charge_already_refunded"


async def test_a_refund_needs_exactly_one_existing_charge_or_payment_intent(fake, catalog):
    charge = await paid_charge(fake, *catalog)
    with pytest.raises(stripe.InvalidRequestError):
        await fake.client.v1.refunds.create_async(params={})
    with pytest.raises(stripe.InvalidRequestError):
        await fake.client.v1.refunds.create_async(params={"charge": charge.id, "payment_intent": charge.payment_intent})
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await fake.client.v1.refunds.create_async(params={"charge": "ch_missing"})
    assert missing.value.code == "resource_missing"
    assert fake.state.charges[charge.id]["amount_refunded"] == 0
