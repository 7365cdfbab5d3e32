"""A webhook's Stripe reads are made before its batch's transaction (`Staged` prepare), so a
slow Stripe holds no transaction and no lock; a read that a concurrent writer overtook
before the lock is not stored: the object is read again under the lock. And whatever path
publishes billing's events, they are stamped by billing's one clock."""
from datetime import datetime, timedelta

from sqlalchemy import text

from billing import SERVICE
from billing.bootstrap import build, consumer
from billing.service_layer.stripe_reads import StripeReads, objects_read_by
from billing.service_layer.stripe_sync import refresh
from billing.settings import BillingSettings
from billing_testing import STRIPE_KEY, command, outbox, plan, scalar, stripe_event_message, unique
from revgen_common.testing.internal_api import TEST_API_TOKEN
from revgen_common.topics import STRIPE_WEBHOOKS
from revgen_common.unit_of_work import UnitOfWork
from revgen_testing.kafka_io import publish
from revgen_testing.running import eventually, running


async def subscription_made_at_stripe(billing, gateway, stripe_fake) -> tuple[str, dict]:
    """A subscription made directly at Stripe: only its created event tells billing."""
    price = await scalar(billing.engine, "SELECT stripe_price_id FROM plans WHERE id = :p", p=await plan(billing))
    since = len(stripe_fake.state.events)
    client_id = unique("client")
    customer = await gateway.v1.customers.create_async({"metadata": {"client_id": client_id}})
    sub = await gateway.v1.subscriptions.create_async({"customer": customer.id, "items": [{"price": price}],
                                                       "metadata": {"client_id": client_id}})
    [created] = [e for e in stripe_fake.state.events[since:] if e["type"] == "customer.subscription.created"]
    return sub.id, created


async def hanging_on(stripe_fake, object_id: str) -> bool:
    return any(path.endswith(object_id) and mode == "hang" for _, path, mode in stripe_fake.faults.injected)


def stripe_reads_of(stripe_fake, object_id: str) -> int:
    return len([r for r in stripe_fake.state.requests if r.method == "GET" and r.path.endswith(object_id)])


async def test_while_stripe_hangs_on_a_webhooks_read_billing_holds_no_transaction_and_no_lock(
        infra, all_topics, billing_engine, gateway, stripe_fake, clock):
    # A short Stripe timeout: the hanging read fails after 2 s and the retry stores the event.
    billing = build(billing_engine, gateway, saga_lease=timedelta(seconds=30), event_grace=timedelta(0), clock=clock)
    subscription_id, created = await subscription_made_at_stripe(billing, gateway, stripe_fake)
    stripe_fake.faults.script("hang", method="GET", path_prefix=f"/v1/subscriptions/{subscription_id}")
    settings = BillingSettings(kafka_bootstrap_servers=infra.bootstrap_servers, stripe_api_key=STRIPE_KEY,
                               stripe_api_base=stripe_fake.url, billing_api_token=TEST_API_TOKEN,
                               billing_database_url=billing_engine.url.render_as_string(hide_password=False))
    await publish(infra.bootstrap_servers, STRIPE_WEBHOOKS.name, [stripe_event_message(created)])

    async with running(consumer(billing, settings)):
        await eventually(lambda: hanging_on(stripe_fake, subscription_id), timeout=60, interval=0.1)
        async with billing_engine.connect() as db:
            assert await db.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext(:id))"), {"id": subscription_id})
            assert await db.scalar(text("""SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                                           AND state LIKE 'idle in transaction%'""")) == 0
            await db.rollback()
        await eventually(lambda: scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s",
                                        s=subscription_id), timeout=60, interval=0.2)
    assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=subscription_id) == \
        stripe_fake.state.subscriptions[subscription_id]["status"]


async def test_a_read_made_before_the_lock_is_used_when_nobody_stored_the_object_since(
        billing, gateway, stripe_fake):
    subscription_id, created = await subscription_made_at_stripe(billing, gateway, stripe_fake)
    reads = await StripeReads.prefetch(billing.engine, gateway, objects_read_by(created))
    read_before = stripe_reads_of(stripe_fake, subscription_id)

    async with UnitOfWork(billing.engine, SERVICE) as uow:
        assert await billing.stripe_events.apply(uow, created, source="webhook", reads=reads)
        await uow.commit()
    assert stripe_reads_of(stripe_fake, subscription_id) == read_before  # not read again
    assert await scalar(billing.engine, "SELECT status FROM subscriptions WHERE id = :s", s=subscription_id) == "active"
    assert len([m for m in await outbox(billing.engine, "billing.events", "SubscriptionActivated")
                if m["payload"]["subscription_id"] == subscription_id]) == 1


async def test_a_read_overtaken_by_a_concurrent_store_is_made_again_under_the_lock(billing, gateway, stripe_fake):
    subscription_id, created = await subscription_made_at_stripe(billing, gateway, stripe_fake)
    reads = await StripeReads.prefetch(billing.engine, gateway, objects_read_by(created))  # sees it active
    # Meanwhile it is paused at Stripe, and a subscription change stores that (it locks and reads).
    await gateway.v1.subscriptions.update_async(subscription_id, {"pause_collection": {"behavior": "void"}})
    async with UnitOfWork(billing.engine, SERVICE) as uow:
        await refresh(uow, gateway, subscription_id)
        await uow.commit()
    assert await scalar(billing.engine, "SELECT paused FROM subscriptions WHERE id = :s", s=subscription_id) is True

    async with UnitOfWork(billing.engine, SERVICE) as uow:
        assert await billing.stripe_events.apply(uow, created, source="webhook", reads=reads)
        await uow.commit()
    # The stale "active, not paused" read was not stored over the newer one.
    assert await scalar(billing.engine, "SELECT paused FROM subscriptions WHERE id = :s", s=subscription_id) is True


async def test_billings_events_are_stamped_by_billings_clock_whichever_path_publishes_them(
        infra, all_topics, billing, billing_engine, gateway, stripe_fake, clock):
    """Messaging orders a client's billing facts by `occurred_at`: it must be billing's one clock."""
    clock.advance(days=40)  # far from the wall clock's today, whatever day the suite runs
    done = await billing.saga.create(command(await plan(billing)))  # the saga's own unit of work
    [activated] = [m for m in await outbox(billing.engine, "billing.events", "SubscriptionActivated")
                   if m["payload"]["subscription_id"] == done.subscription_id]
    assert datetime.fromisoformat(activated["occurred_at"]) == clock()

    subscription_id, created = await subscription_made_at_stripe(billing, gateway, stripe_fake)
    settings = BillingSettings(kafka_bootstrap_servers=infra.bootstrap_servers, stripe_api_key=STRIPE_KEY,
                               stripe_api_base=stripe_fake.url, billing_api_token=TEST_API_TOKEN,
                               billing_database_url=billing_engine.url.render_as_string(hide_password=False))
    await publish(infra.bootstrap_servers, STRIPE_WEBHOOKS.name, [stripe_event_message(created)])
    async with running(consumer(billing, settings)):  # the consumer's batch unit of work
        published = await eventually(lambda: activated_for(billing, subscription_id), timeout=60, interval=0.2)
    assert datetime.fromisoformat(published["occurred_at"]) == clock()


async def activated_for(billing, subscription_id: str) -> dict | None:
    return next((m for m in await outbox(billing.engine, "billing.events", "SubscriptionActivated")
                 if m["payload"]["subscription_id"] == subscription_id), None)
