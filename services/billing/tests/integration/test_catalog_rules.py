"""Coupons, plans and trials: limits hold under concurrency (D2, D8), history is never
deleted (B8, D5, D6), inactive plans are not sold (D7, B1), one trial per client (B4), one
subscription per client however its creates race (D10)."""
import asyncio
import random

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from billing_testing import command, coupon, plan, scalar, unique
from revgen_common.errors import Refused


async def test_a_coupon_limit_holds_under_50_concurrent_redemptions_in_100_trials(billing):
    plan_id = await plan(billing)
    rng = random.Random(11)
    for trial in range(100):
        limit = rng.randint(1, 10)
        coupon_id = await coupon(billing, max_redemptions=limit)

        async def redeem(c):
            try:
                await billing.saga.start(c)  # the redemption is part of the saga's first, local step
                return True
            except Refused:
                return False

        won = await asyncio.gather(*(redeem(command(plan_id, coupon_id=coupon_id)) for _ in range(50)))
        redemptions = await scalar(billing.engine, "SELECT count(*) FROM coupon_redemptions WHERE coupon_id = :c",
                                   c=coupon_id)
        counter = await scalar(billing.engine, "SELECT redeemed FROM coupons WHERE id = :c", c=coupon_id)
        assert sum(won) == redemptions == counter == limit, f"trial {trial}: limit {limit}"


async def test_a_redeemed_coupon_can_be_deactivated_but_never_deleted(billing):
    plan_id = await plan(billing)
    coupon_id = await coupon(billing)
    await billing.saga.start(command(plan_id, coupon_id=coupon_id))
    with pytest.raises(IntegrityError):
        async with billing.engine.begin() as db:
            await db.execute(text("DELETE FROM coupons WHERE id = :c"), {"c": coupon_id})
    await billing.catalog.deactivate_coupon(coupon_id)
    with pytest.raises(Refused, match="inactive"):
        await billing.saga.start(command(plan_id, coupon_id=coupon_id))


async def test_an_inactive_plan_cannot_be_subscribed_to(billing):
    plan_id = await plan(billing)
    await billing.catalog.deactivate_plan(plan_id)
    with pytest.raises(Refused, match="no longer offered"):
        await billing.saga.create(command(plan_id))


async def test_a_plan_with_an_active_subscription_cannot_be_deactivated_or_deleted(billing):
    plan_id = await plan(billing)
    assert (await billing.saga.create(command(plan_id))).state == "completed"
    with pytest.raises(Refused) as refused:
        await billing.catalog.deactivate_plan(plan_id)
    assert type(refused.value) is Refused  # a rule broken (409), not a missing plan (404)
    with pytest.raises(IntegrityError):
        async with billing.engine.begin() as db:
            await db.execute(text("DELETE FROM plans WHERE id = :p"), {"p": plan_id})


async def test_only_a_client_that_never_had_a_subscription_gets_a_trial(billing, stripe_fake):
    plan_id = await plan(billing, trial_days=14)
    first = command(plan_id)
    done = await billing.saga.create(first)
    assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=done.subscription_id) == "trialing"
    await billing.changes.cancel(done.subscription_id, at_period_end=False, key="cancel-first-subscription")
    again = await billing.saga.create(command(plan_id, client_id=first.client_id))
    assert await scalar(billing.engine, "SELECT trial_days FROM subscription_commands WHERE id = :i",
                        i=again.command_id) == 0
    assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=again.subscription_id) == "active"


async def test_a_client_with_a_live_subscription_is_told_to_change_plan_instead(billing):
    plan_id = await plan(billing)
    first = command(plan_id)
    await billing.saga.create(first)
    with pytest.raises(Refused, match="change its plan"):
        await billing.saga.create(command(plan_id, client_id=first.client_id))


async def test_every_update_sets_updated_at(billing):
    plan_id = await plan(billing)
    before = await scalar(billing.engine, "SELECT updated_at FROM plans WHERE id = :p", p=plan_id)
    await billing.catalog.deactivate_plan(plan_id)
    assert await scalar(billing.engine, "SELECT updated_at FROM plans WHERE id = :p", p=plan_id) > before


async def test_a_plan_cannot_be_deactivated_while_a_create_for_it_is_being_committed(billing):
    plan_id = await plan(billing)
    async with billing.engine.connect() as creating:  # what the saga's first step holds until it commits
        await creating.begin()
        await creating.execute(text("SELECT 1 FROM plans WHERE id = :p FOR SHARE"), {"p": plan_id})
        await creating.execute(text("INSERT INTO billing_accounts (client_id) VALUES ('client-racing')"))
        await creating.execute(text("""INSERT INTO subscription_commands (id, client_id, plan_id, trial_days, params_hash, state)
                                       VALUES ('cmd-racing', 'client-racing', :p, 0, 'h', 'started')"""), {"p": plan_id})
        deactivating = asyncio.create_task(billing.catalog.deactivate_plan(plan_id))
        await asyncio.sleep(0.5)  # the deactivation is waiting for the plan row
        await creating.commit()
    with pytest.raises(Refused) as refused:
        await deactivating
    assert type(refused.value) is Refused  # a rule broken (409), not a missing plan (404)
    assert await scalar(billing.engine, "SELECT active FROM plans WHERE id = :p", p=plan_id) is True


async def test_creates_for_one_client_racing_under_different_keys_make_one_subscription_with_one_trial(
        billing, stripe_fake):
    plan_id = await plan(billing, trial_days=14)
    for trial in range(10):
        client_id = unique("client")

        async def create(client_id=client_id):
            try:
                return (await billing.saga.create(command(plan_id, client_id=client_id))).state
            except Refused:
                return "refused"

        states = await asyncio.gather(*(create() for _ in range(10)))
        live = [s for s in stripe_fake.state.live_subscriptions() if s["metadata"].get("client_id") == client_id]
        assert sorted(states) == ["completed"] + ["refused"] * 9, f"trial {trial}"
        assert [s["status"] for s in live] == ["trialing"], f"trial {trial}"
        assert await scalar(billing.engine, "SELECT count(*) FROM subscription_commands WHERE client_id = :c",
                            c=client_id) == 1
