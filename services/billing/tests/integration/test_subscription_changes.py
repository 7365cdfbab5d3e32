"""Plan changes, pause, resume and cancel reach Stripe once per key and are mirrored locally
with one outcome each, never to a plan no longer offered (D7); the retention flow uses real
numbers and really cancels (B5, B6)."""
import uuid

import pytest

from billing import SERVICE
from billing_testing import command, outbox, plan, scalar
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.envelope import Envelope
from revgen_common.errors import Refused
from revgen_common.unit_of_work import UnitOfWork
from revgen_fakes.stripe import billing_cycle


async def test_change_pause_resume_and_cancel_each_reach_stripe_and_publish_one_outcome(billing, stripe_fake):
    basic, pro = await plan(billing), await plan(billing, amount_cents=9900)
    sub = (await billing.saga.create(command(basic))).subscription_id
    at_stripe = stripe_fake.state.subscriptions[sub]

    for _ in range(2):  # the same key twice: Stripe replays, nothing changes twice
        changed = await billing.changes.change_plan(sub, pro, key="change-1")
    assert changed["plan_id"] == pro and at_stripe["items"]["data"][0]["price"]["unit_amount"] == 9900
    assert (await billing.changes.pause(sub, key="pause-1"))["paused"] is True
    assert at_stripe["pause_collection"] is not None
    assert (await billing.changes.resume(sub, key="resume-1"))["paused"] is False
    assert (await billing.changes.cancel(sub, at_period_end=True, key="cancel-1"))["cancel_at_period_end"] is True
    assert (await billing.changes.cancel(sub, at_period_end=False, key="cancel-2"))["status"] == "canceled"
    assert at_stripe["status"] == "canceled"

    kinds = [m["type"] for m in await outbox(billing.engine, "billing.events")]
    assert kinds == ["SubscriptionActivated", "SubscriptionChanged", "SubscriptionPaused", "SubscriptionResumed",
                     "SubscriptionChanged", "SubscriptionCanceled"]


async def test_a_late_retry_of_an_earlier_pause_leaves_local_state_as_stripe_has_it_and_publishes_nothing(
        billing, stripe_fake):
    sub = (await billing.saga.create(command(await plan(billing)))).subscription_id
    await billing.changes.pause(sub, key="p1")
    await billing.changes.resume(sub, key="r1")
    late = await billing.changes.pause(sub, key="p1")  # Stripe replays its answer of the time: paused

    assert any(r.replayed and r.idempotency_key == "p1:pause" for r in stripe_fake.state.requests)
    assert stripe_fake.state.subscriptions[sub]["pause_collection"] is None
    assert late["paused"] is False
    assert await scalar(billing.engine, "SELECT paused FROM subscriptions WHERE id = :s", s=sub) is False
    kinds = [m["type"] for m in await outbox(billing.engine, "billing.events")]
    assert kinds.count("SubscriptionPaused") == 1 and kinds.count("SubscriptionResumed") == 1


async def lead(billing, client_id: str, outcome: str, value: int | None = None, lead_id: str | None = None) -> None:
    async with UnitOfWork(billing.engine, SERVICE) as uow:
        await billing.client_events.lead_outcome(Delivered.of(Envelope(
            type="LeadOutcomeRecorded", producer="messaging", key=client_id, client_id=client_id,
            payload={"client_id": client_id, "lead_id": lead_id or uuid.uuid4().hex, "outcome": outcome,
                     "job_value_cents": value, "decided_at": billing.clock().isoformat()})), HandlerContext(uow))
        await uow.commit()


async def test_the_retention_offer_comes_from_the_clients_own_leads_and_price_and_confirming_cancels_at_period_end(
        billing, stripe_fake):
    cmd = command(await plan(billing, amount_cents=14900))
    sub = (await billing.saga.create(cmd)).subscription_id
    won_lead = uuid.uuid4().hex
    for _ in range(3):  # a replayed outcome event counts once
        await lead(billing, cmd.client_id, "won", 60_000, lead_id=won_lead)
    await lead(billing, cmd.client_id, "won", 40_000)
    for _ in range(6):
        await lead(billing, cmd.client_id, "lost")

    started = await billing.changes.start_cancellation(cmd.client_id)
    offer = started["offer"]
    assert offer["leads_decided"] == 8 and offer["leads_won"] == 2 and offer["conversion_rate"] == 0.25
    assert offer["average_job_value_cents"] == 50_000 and offer["price_cents"] == 14900

    await billing.changes.confirm_cancellation(started["id"])
    assert stripe_fake.state.subscriptions[sub]["cancel_at_period_end"] is True
    assert await scalar(billing.engine, "SELECT status FROM cancellation_requests WHERE id = CAST(:i AS uuid)",
                        i=started["id"]) == "confirmed"


async def test_a_client_without_outcomes_gets_an_offer_that_says_it_has_no_data(billing):
    cmd = command(await plan(billing))
    await billing.saga.create(cmd)
    offer = (await billing.changes.start_cancellation(cmd.client_id))["offer"]
    assert offer["enough_data"] is False and offer["conversion_rate"] is None


async def test_the_average_job_value_counts_only_the_won_leads_that_have_a_value(billing):
    cmd = command(await plan(billing))
    await billing.saga.create(cmd)
    await lead(billing, cmd.client_id, "won", 80_000)
    await lead(billing, cmd.client_id, "won", 40_000)
    await lead(billing, cmd.client_id, "won")  # won, value not known: not a job worth 0
    for _ in range(3):
        await lead(billing, cmd.client_id, "lost")
    offer = (await billing.changes.start_cancellation(cmd.client_id))["offer"]
    assert offer["leads_won"] == 3 and offer["average_job_value_cents"] == 60_000


async def test_a_change_to_a_plan_no_longer_offered_is_refused_before_stripe_is_asked(billing, stripe_fake):
    basic, retired = await plan(billing), await plan(billing, amount_cents=9900)
    sub = (await billing.saga.create(command(basic))).subscription_id
    await billing.catalog.deactivate_plan(retired)
    updates = len([r for r in stripe_fake.state.requests if r.path == f"/v1/subscriptions/{sub}" and r.method == "POST"])

    with pytest.raises(Refused, match="no longer offered"):
        await billing.changes.change_plan(sub, retired, key="change-to-retired")

    assert len([r for r in stripe_fake.state.requests
                if r.path == f"/v1/subscriptions/{sub}" and r.method == "POST"]) == updates
    assert stripe_fake.state.subscriptions[sub]["items"]["data"][0]["price"]["unit_amount"] == 4900
    assert await scalar(billing.engine, "SELECT plan_id FROM subscriptions WHERE id = :s", s=sub) == basic


async def test_resuming_a_subscription_stripe_paused_sends_the_billing_cycle_anchor_as_the_object_stripe_now_takes(
        billing, stripe_fake):
    sub = (await billing.saga.create(command(await plan(billing)))).subscription_id
    billing_cycle.set_paused(stripe_fake.state, stripe_fake.state.subscriptions[sub], True)  # as at a trial's end

    resumed = await billing.changes.resume(sub, key="r1")

    assert resumed["status"] == "active" and stripe_fake.state.subscriptions[sub]["status"] == "active"
