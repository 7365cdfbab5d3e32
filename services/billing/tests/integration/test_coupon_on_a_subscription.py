"""A coupon applied to a live subscription reaches Stripe once per key and is redeemed once,
within its limit and before its last day; a coupon refused here never reaches Stripe, and one
Stripe refuses is given back. An agency's disputes are every one of its clients'."""
from datetime import timedelta

import pytest
from sqlalchemy import text

from billing import SERVICE
from billing.adapters import account_queries
from billing.adapters.stripe_gateway import StripeRefused
from billing.service_layer.catalog import NewCoupon
from billing_testing import command, coupon, plan, scalar, unique
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.envelope import Envelope
from revgen_common.errors import Refused, Unprocessable
from revgen_common.unit_of_work import UnitOfWork


async def subscribed(billing) -> str:
    return (await billing.saga.create(command(await plan(billing)))).subscription_id


def coupon_updates(stripe_fake, subscription_id: str) -> list:
    return [r for r in stripe_fake.state.requests
            if r.path == f"/v1/subscriptions/{subscription_id}" and r.method == "POST"]


async def test_a_coupon_applied_twice_with_one_key_is_redeemed_once_and_discounts_the_subscription_at_stripe(
        billing, stripe_fake):
    sub, code = await subscribed(billing), await coupon(billing, max_redemptions=5)
    for _ in range(2):
        applied = await billing.changes.apply_coupon(sub, code, key="apply-1")
    assert applied["id"] == sub and applied["status"] == "active"
    (discount,) = stripe_fake.state.subscriptions[sub]["discounts"]
    assert stripe_fake.state.discounts[discount]["coupon"]["id"] == code
    assert await scalar(billing.engine, "SELECT redeemed FROM coupons WHERE id = :c", c=code) == 1
    assert stripe_fake.state.coupons[code]["times_redeemed"] == 1  # the second call was replayed by Stripe
    assert [r.replayed for r in coupon_updates(stripe_fake, sub)] == [False, True]


async def test_an_expired_used_up_inactive_or_already_applied_coupon_is_refused_saying_why_and_never_reaches_stripe(
        billing, stripe_fake, clock):
    sub, other = await subscribed(billing), await subscribed(billing)
    expiring = unique("COUPON")
    await billing.catalog.create_coupon(NewCoupon(id=expiring, percent_off=10, redeem_by=clock() + timedelta(days=1)))
    used_up, inactive, applied = (await coupon(billing, max_redemptions=1), await coupon(billing),
                                  await coupon(billing))
    await billing.changes.apply_coupon(other, used_up, key="k-used")
    await billing.catalog.deactivate_coupon(inactive)
    await billing.changes.apply_coupon(sub, applied, key="k-applied")
    clock.advance(days=1)
    sent = len(coupon_updates(stripe_fake, sub))
    reasons = []
    for code, why in [(expiring, "expired on"), (used_up, "redeemed 1 of 1 times"), (inactive, "no longer offered"),
                      (applied, "already applied")]:
        with pytest.raises(Refused, match=why) as refused:
            await billing.changes.apply_coupon(sub, code, key=f"k-{code}")
        reasons.append(str(refused.value))
    with pytest.raises(Refused, match="inactive, expired or fully redeemed"):  # a new subscription, too
        await billing.saga.create(command(await plan(billing), coupon_id=expiring))
    assert len(coupon_updates(stripe_fake, sub)) == sent
    assert await scalar(billing.engine, "SELECT count(*) FROM coupon_applications WHERE subscription_id = :s",
                        s=sub) == 1
    assert await scalar(billing.engine, "SELECT redeemed FROM coupons WHERE id = :c", c=expiring) == 0


async def test_a_coupon_stripe_refuses_is_given_back_and_a_key_reused_for_another_coupon_is_refused(
        billing, stripe_fake):
    sub, code, other = await subscribed(billing), await coupon(billing, max_redemptions=1), await coupon(billing)
    stripe_fake.state.coupons[code]["valid"] = False  # e.g. redeemed at Stripe outside RevGen
    with pytest.raises(StripeRefused):
        await billing.changes.apply_coupon(sub, code, key="refused-1")
    assert await scalar(billing.engine, "SELECT redeemed FROM coupons WHERE id = :c", c=code) == 0
    assert await scalar(billing.engine, "SELECT count(*) FROM coupon_applications") == 0
    await billing.changes.apply_coupon(sub, other, key="k-1")
    with pytest.raises(Unprocessable):
        await billing.changes.apply_coupon(sub, code, key="k-1")


async def test_a_coupon_whose_last_day_has_passed_cannot_be_made_and_a_future_one_tells_stripe(
        billing, stripe_fake, clock):
    with pytest.raises(Unprocessable, match="has passed"):
        await billing.catalog.create_coupon(NewCoupon(id=unique("COUPON"), percent_off=5, redeem_by=clock()))
    code = unique("COUPON")
    made = await billing.catalog.create_coupon(NewCoupon(id=code, percent_off=5, redeem_by=clock() + timedelta(days=30)))
    assert made["redeem_by"] == clock() + timedelta(days=30)
    assert stripe_fake.state.coupons[code]["redeem_by"] == int((clock() + timedelta(days=30)).timestamp())


async def client_of(billing, client_id: str, agency_id: str) -> None:
    async with UnitOfWork(billing.engine, SERVICE) as uow:
        await billing.client_events.client_created(Delivered.of(Envelope(
            type="ClientCreated", producer="identity", key=client_id, client_id=client_id,
            payload={"client_id": client_id, "agency_id": agency_id, "name": "Client"})), HandlerContext(uow))
        await uow.commit()


async def test_an_agencys_disputes_are_all_its_clients_newest_first_a_keyset_page_at_a_time(billing, clock):
    agency, other_agency = unique("agency"), unique("agency")
    clients = [unique("client") for _ in range(3)]
    for client in clients[:2]:
        for _ in range(2):  # a redelivered ClientCreated changes nothing
            await client_of(billing, client, agency)
    await client_of(billing, clients[2], other_agency)
    async with billing.engine.begin() as db:
        for n, client in enumerate(clients * 2):
            await db.execute(text("INSERT INTO billing_accounts (client_id) VALUES (:c) ON CONFLICT DO NOTHING"),
                             {"c": client})
            await db.execute(text("""INSERT INTO disputes (id, charge_id, client_id, amount, currency, status, created_at)
                                     VALUES (:id, 'ch_1', :c, 100, 'usd', 'needs_response', :at)"""),
                             {"id": f"dp_{n}", "c": client, "at": clock() + timedelta(minutes=n)})
    first = await account_queries.agency_disputes(billing.engine, agency, 3, None)
    rest = await account_queries.agency_disputes(billing.engine, agency, 3, first["next"])
    assert [d["id"] for d in first["data"] + rest["data"]] == ["dp_4", "dp_3", "dp_1", "dp_0"]
    assert rest["next"] is None and {d["client_id"] for d in first["data"]} == set(clients[:2])
