"""Create-subscription cannot double-charge or half-happen (D1, E1), against a Stripe fake
that commits requests and then loses the responses."""
import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text

from billing.bootstrap import build
from billing.service_layer import subscribe
from billing.service_layer.stripe_sync import refresh
from billing_testing import command, coupon, customers_of, delete_client, plan, scalar, subscribe_until_done, unrefunded_charges
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
    customer_id = await scalar(billing_engine, "SELECT stripe_customer_id FROM subscription_commands WHERE id = :i",
                               i=cmd.command_id)
    assert unrefunded_charges(stripe_fake, customer_id) == []

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
    from billing.service_layer.subscribe import CreateSubscription
    from revgen_common.errors import Unprocessable
    with pytest.raises(Unprocessable):  # the key reused with other parameters (422)
        await billing.saga.start(CreateSubscription(cmd.command_id, cmd.client_id, await plan(billing)))
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


def refuse_at(step: str):
    def checkpoint(name: str) -> None:
        if name == step:
            raise PermanentError(f"refused at {name}")
    return checkpoint


def stop_before_the_local_commit(name: str) -> None:
    if name == "subscription_created":
        raise RuntimeError("stopped after stripe made the subscription, before the local commit")


async def test_compensating_after_stripe_charged_the_first_invoice_cancels_the_subscription_and_refunds_the_charge(
        billing_engine, gateway, stripe_fake):
    saga_owner = build(billing_engine, gateway)
    cmd = command(await plan(saga_owner))
    saga_owner.saga.checkpoint = refuse_at("subscription_created")
    assert (await saga_owner.saga.create(cmd)).state == "compensated"
    row = await scalar(billing_engine, """SELECT stripe_customer_id || ' ' || stripe_subscription_id
                                          FROM subscription_commands WHERE id = :i""", i=cmd.command_id)
    customer_id, subscription_id = row.split()
    [charge] = [c for c in stripe_fake.state.charges.values() if c["customer"] == customer_id]
    assert charge["amount"] == 4900 and unrefunded_charges(stripe_fake, customer_id) == []
    [refund] = stripe_fake.state.refunds.values()
    assert refund["charge"] == charge["id"]
    requests = [(r.method, r.path, r.idempotency_key) for r in stripe_fake.state.requests]
    # Canceled by our own call, not as a side effect of deleting the customer.
    assert ("DELETE", f"/v1/subscriptions/{subscription_id}", None) in requests
    assert ("POST", "/v1/refunds", f"{cmd.command_id}:refund") in requests
    assert requests.index(("DELETE", f"/v1/subscriptions/{subscription_id}", None)) < \
        requests.index(("DELETE", f"/v1/customers/{customer_id}", None))


async def test_a_client_deleted_while_its_subscription_is_committed_keeps_no_live_subscription(
        billing, stripe_fake, monkeypatch):
    cmd = command(await plan(billing))
    billing.saga.checkpoint = stop_before_the_local_commit
    with pytest.raises(RuntimeError):
        await billing.saga.create(cmd)
    billing.saga.checkpoint = lambda name: None
    subscription_id = await scalar(billing.engine, "SELECT stripe_subscription_id FROM subscription_commands WHERE id = :i",
                                   i=cmd.command_id)
    stored, go_on = asyncio.Event(), asyncio.Event()

    async def store_then_wait(*args, **kwargs):
        current = await refresh(*args, **kwargs)
        stored.set()
        await go_on.wait()
        return current

    monkeypatch.setattr(subscribe, "refresh", store_then_wait)
    committing = asyncio.create_task(billing.saga.recover())
    await stored.wait()  # the local commit checked the client and stored the subscription, not committed yet
    deleting = asyncio.create_task(delete_client(billing, cmd.client_id))
    await asyncio.sleep(0.5)  # time for the deletion to commit, if nothing makes it wait for the saga
    go_on.set()
    await asyncio.gather(committing, deleting)
    assert stripe_fake.state.subscriptions[subscription_id]["status"] == "canceled"
    assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=subscription_id) == "canceled"


async def test_a_client_deleted_before_its_subscription_is_created_compensates_without_creating_anything_at_stripe(
        billing, stripe_fake):
    cmd = command(await plan(billing))
    await billing.saga.start(cmd)
    await delete_client(billing, cmd.client_id)
    assert (await billing.saga.result(cmd.command_id)).state == "compensating"
    await billing.saga.recover()
    result = await billing.saga.result(cmd.command_id)
    assert result.state == "compensated" and "deleted" in result.error
    assert [s for s in stripe_fake.state.subscriptions.values() if s["metadata"].get("client_id") == cmd.client_id] == []
    assert [c for c in stripe_fake.state.customers.values() if c.get("metadata", {}).get("client_id") == cmd.client_id] == []


async def test_recovery_takes_commands_that_keep_failing_after_the_ones_that_never_ran(billing, stripe_fake):
    plan_id = await plan(billing)
    failing, fresh = command(plan_id), command(plan_id)
    await billing.saga.start(failing)
    await billing.saga.start(fresh)
    async with billing.engine.begin() as db:  # older, and already tried (and failed) many times
        await db.execute(text("""UPDATE subscription_commands SET attempts = 7, created_at = now() - interval '1 hour'
                                 WHERE id = :id"""), {"id": failing.command_id})
    await billing.saga.recover(limit=1)
    assert (await billing.saga.result(fresh.command_id)).state == "completed"
    assert (await billing.saga.result(failing.command_id)).state == "started"

