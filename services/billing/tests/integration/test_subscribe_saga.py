"""Create-subscription cannot double-charge or half-happen (D1, E1), against a Stripe fake
that commits requests and then loses the responses."""
import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text

from billing.bootstrap import build
from billing_testing import command, coupon, customers_of, plan, scalar, subscribe_until_done
from revgen_common.errors import PermanentError

STEPS = ("command_persisted", "customer_created", "subscription_created", "committed")


def live_for(stripe_fake, client_ids) -> list[dict]:
    return [s for s in stripe_fake.state.live_subscriptions() if s["metadata"].get("client_id") in client_ids]


async def test_100_creates_with_30_percent_of_responses_lost_make_100_subscriptions_and_no_duplicates(
        billing, stripe_fake):
    plan_id = await plan(billing)
    stripe_fake.faults.randomly(0.3, "drop_response", seed=7, path_prefix="/v1/")
    commands = [command(plan_id) for _ in range(100)]
    semaphore = asyncio.Semaphore(10)

    async def one(cmd):
        async with semaphore:
            return await subscribe_until_done(billing, cmd)

    results = await asyncio.gather(*(one(c) for c in commands))
    dropped = [m for m in stripe_fake.faults.injected if m[2] == "drop_response"]
    clients = {c.client_id for c in commands}
    at_stripe = live_for(stripe_fake, clients)
    assert len(dropped) >= 30, "the fault injector must really have lost responses"
    assert {r.state for r in results} == {"completed"}
    assert len(at_stripe) == 100 and len({s["metadata"]["client_id"] for s in at_stripe}) == 100
    customers = [c for client in clients for c in customers_of(stripe_fake, client)]
    assert len(customers) == 100
    assert await scalar(billing.engine, "SELECT count(*) FROM subscriptions WHERE status = 'active'") == 100


@pytest.mark.parametrize("step", STEPS)
async def test_an_unexpected_failure_after_a_step_is_resumed_by_recovery_without_a_second_charge(
        billing_engine, gateway, stripe_fake, step):
    failing = build(billing_engine, gateway)
    plan_id = await plan(failing)
    cmd = command(plan_id)
    calls = []

    def fail_once(name):
        if name == step and not calls:
            calls.append(name)
            raise RuntimeError(f"crash at {name}")

    failing.saga.checkpoint = fail_once
    with pytest.raises(RuntimeError):
        await failing.saga.create(cmd)
    assert await failing.saga.recover() >= (0 if step == "committed" else 1)
    result = await failing.saga.result(cmd.command_id)
    assert result.state == "completed"
    assert len(live_for(stripe_fake, {cmd.client_id})) == 1
    assert await scalar(billing_engine, "SELECT count(*) FROM subscriptions WHERE client_id = :c",
                        c=cmd.client_id) == 1


@pytest.mark.parametrize("step", STEPS[1:3])
async def test_a_step_refused_for_good_compensates_leaving_no_orphan_at_stripe_and_the_coupon_given_back(
        billing_engine, gateway, stripe_fake, step):
    saga_owner = build(billing_engine, gateway)
    plan_id = await plan(saga_owner)
    coupon_id = await coupon(saga_owner, max_redemptions=1)
    cmd = command(plan_id, coupon_id=coupon_id)

    def refuse(name):
        if name == step:
            raise PermanentError(f"refused at {name}")

    saga_owner.saga.checkpoint = refuse
    result = await saga_owner.saga.create(cmd)
    assert result.state == "compensated" and "refused at" in result.error
    assert live_for(stripe_fake, {cmd.client_id}) == []
    assert customers_of(stripe_fake, cmd.client_id) == []
    assert await scalar(billing_engine, "SELECT redeemed FROM coupons WHERE id = :c", c=coupon_id) == 0
    assert await scalar(billing_engine, """SELECT count(*) FROM subscriptions
                                           WHERE client_id = :c AND status <> 'canceled'""", c=cmd.client_id) == 0

    saga_owner.saga.checkpoint = lambda name: None  # the coupon is redeemable again, once
    again = await saga_owner.saga.create(command(plan_id, client_id=cmd.client_id, coupon_id=coupon_id))
    assert again.state == "completed"


async def test_a_retry_after_stripe_forgot_the_idempotency_key_finds_the_subscription_instead_of_creating_another(
        billing_engine, gateway, stripe_fake):
    saga_owner = build(billing_engine, gateway)
    plan_id = await plan(saga_owner)
    cmd = command(plan_id)

    def crash_before_local_commit(name):
        if name == "subscription_created":
            raise RuntimeError("crash")

    saga_owner.saga.checkpoint = crash_before_local_commit
    with pytest.raises(RuntimeError):
        await saga_owner.saga.create(cmd)
    async with billing_engine.begin() as db:  # 25 hours later, Stripe's key is gone
        await db.execute(text("""UPDATE subscription_commands SET created_at = now() - interval '25 hours',
                                        stripe_subscription_id = NULL WHERE id = :id"""), {"id": cmd.command_id})
    stripe_fake.state.expire_idempotency_keys()
    saga_owner.saga.checkpoint = lambda name: None
    await saga_owner.saga.recover()
    assert (await saga_owner.saga.result(cmd.command_id)).state == "completed"
    assert len(live_for(stripe_fake, {cmd.client_id})) == 1


async def test_the_same_idempotency_key_with_other_parameters_is_refused(billing):
    plan_id = await plan(billing)
    cmd = command(plan_id)
    await billing.saga.create(cmd)
    from billing.service_layer.subscribe import CreateSubscription, Refused
    with pytest.raises(Refused) as refused:
        await billing.saga.start(CreateSubscription(cmd.command_id, cmd.client_id, await plan(billing)))
    assert refused.value.status == 422
    assert (await billing.saga.create(cmd)).state == "completed"  # the same command replays
    assert await scalar(billing.engine, "SELECT count(*) FROM subscription_commands WHERE client_id = :c",
                        c=cmd.client_id) == 1


async def test_a_lease_left_by_a_dead_process_is_resumed_only_after_it_runs_out(billing_engine, gateway, stripe_fake):
    short = build(billing_engine, gateway, saga_lease=timedelta(seconds=1))
    plan_id = await plan(short)
    cmd = command(plan_id)
    await short.saga.start(cmd)
    async with billing_engine.begin() as db:  # a process took the lease and died
        await db.execute(text("UPDATE subscription_commands SET lease_until = now() + interval '1 second' WHERE id = :id"),
                         {"id": cmd.command_id})
    assert await short.saga.recover() == 0
    await asyncio.sleep(1.2)
    assert await short.saga.recover() == 1
    assert (await short.saga.result(cmd.command_id)).state == "completed"
