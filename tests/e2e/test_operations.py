"""Operating the running system with `revgen`: a replay from the earliest offset re-applies
nothing (zero extra SMS, zero extra Stripe calls: the inboxes absorb every redelivery),
and a trace follows a webhook through every service."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from revgen_common.topics import BILLING_GROUP, MESSAGING_GROUP, MESSAGING_SENDER_GROUP
from revgen_fakes.twilio.webhooks import inbound_sms_request
from revgen_ops import audit, offset_resets
from revgen_ops.groups import committed_offsets
from revgen_ops.lag import observe
from revgen_ops.offset_resets import GroupIsActive, Target
from revgen_ops.trace import Tracer
from revgen_testing.running import eventually
from tests.e2e.conftest import System, consumers_only, serving

GROUPS = (MESSAGING_GROUP, MESSAGING_SENDER_GROUP, BILLING_GROUP)
CUSTOMER_PHONE = "+16465557777"


def revgen(system: System, *args: str) -> str:
    """The installed command, as an operator runs it."""
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "revgen"), *args], capture_output=True,
                          text=True, env={**os.environ, **system.env(), "COLUMNS": "200"}, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def converse(system: System, leads: list[str]) -> tuple[str, str]:
    """A client with a number, and one inbound SMS from each lead through ingress."""
    client_id, number = f"client-{uuid.uuid4().hex[:8]}", f"+1415555{uuid.uuid4().int % 10_000:04d}"
    profile = {"business_name": "Ace", "numbers": [number], "quiet_start": "00:00", "quiet_end": "00:00"}
    assert (await system.clients["messaging"].put(f"/clients/{client_id}/profile", json=profile)).status_code == 200
    sids = []
    for lead in leads:
        params, headers = inbound_sms_request(f"{system.ingress_url}/webhooks/twilio/sms", lead, number,
                                              "Do you fix boilers?", auth_token=system.twilio.auth_token,
                                              account_sid=system.twilio.account_sid)
        sids.append(params["MessageSid"])
        answer = await system.clients["ingress"].post("/webhooks/twilio/sms", data=params, headers=headers)
        assert answer.status_code == 200, answer.text
    return client_id, sids


async def subscribe(system: System) -> str:
    billing = system.clients["billing"]
    plan = f"pro-{uuid.uuid4().hex[:6]}"
    assert (await billing.post("/plans", json={"id": plan, "name": "Pro", "amount_cents": 9900})).status_code == 201
    created = await billing.post("/subscriptions", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
        "client_id": f"client-{uuid.uuid4().hex[:8]}", "plan_id": plan, "phone": CUSTOMER_PHONE})
    assert created.status_code == 201, created.text
    return created.json()["subscription_id"]


async def delivered_replies(system: System, count: int) -> bool:
    engine = create_async_engine(system.database_urls["messaging"])
    try:
        async with engine.connect() as db:
            delivered = await db.scalar(text("SELECT count(*) FROM sends WHERE status = 'delivered'"))
    finally:
        await engine.dispose()
    return delivered >= count


async def all_caught_up(system: System) -> bool:
    observed = await observe(system.bootstrap_servers, [g.name for g in GROUPS])
    return all(g.partitions and g.lag == 0 for g in observed)


async def traffic(system: System, leads: list[str]) -> tuple[list[str], str]:
    """Inbound SMS answered and delivered; a subscription whose receipt is an SMS too."""
    _, sids = await converse(system, leads)
    subscription = await subscribe(system)
    await system.deliver_stripe_events()
    # One reply per lead and the receipt, each sent once and delivered (status callbacks back through ingress).
    await eventually(lambda: delivered_replies(system, len(leads) + 1), timeout=90, interval=0.5)
    await eventually(lambda: all_caught_up(system), timeout=60, interval=1.0)
    return sids, subscription


async def test_replaying_messaging_and_billing_from_the_earliest_offset_sends_no_sms_and_calls_stripe_no_more(
        system, capsys):
    leads = [f"+1646555{i:04d}" for i in range(6)]
    async with serving(system, "messaging"), serving(system, "billing"):
        await traffic(system, leads)
        with pytest.raises(GroupIsActive) as refused:  # a running member would overwrite the reset
            await offset_resets.execute(system.bootstrap_servers, "messaging", [t.name for t in MESSAGING_GROUP.topics],
                                        Target(earliest=True), operator="e2e")
        refusal = revgen_failing(system, "replay", "billing", "--all-topics", "--to-earliest", "--execute")
    assert refused.value.members and "active member" in str(refused.value)
    assert "Refused" in refusal and "billing" in refusal

    sms, stripe_calls, answers = len(system.twilio.messages), len(system.stripe.requests), _openai(system)
    offsets = {g.name: await _committed(system, g.name) for g in GROUPS}
    dry_run = revgen(system, "replay", "messaging", "--all-topics", "--to-earliest")
    assert "Dry run: nothing changed" in dry_run
    assert {g.name: await _committed(system, g.name) for g in GROUPS} == offsets  # the dry run changed nothing

    redelivered = {}
    for group in GROUPS:
        printed = revgen(system, "replay", group.name, "--all-topics", "--to-earliest", "--execute", "--operator", "e2e")
        assert "Applied by e2e" in printed
        reset = await offset_resets.plan(system.bootstrap_servers, group.name, [t.name for t in group.topics],
                                         Target(earliest=True))
        redelivered[group.name] = sum(offsets[group.name].values()) - sum(m.after for m in reset.moves)
    async with consumers_only(system, "messaging"), consumers_only(system, "billing"):
        await eventually(lambda: all_caught_up(system), timeout=90, interval=1.0)
        await asyncio.sleep(3)  # room for any (wrong) extra effect to reach a fake

    extra = {"sms": len(system.twilio.messages) - sms, "stripe": len(system.stripe.requests) - stripe_calls,
             "openai": _openai(system) - answers}
    with capsys.disabled():
        print(f"\nreplay from the earliest offset: re-delivered {redelivered}; before: {sms} SMS, {stripe_calls} "
              f"Stripe requests, {answers} OpenAI requests; extra after the replay: {extra}")
    assert all(count > 0 for count in redelivered.values()), redelivered
    assert extra == {"sms": 0, "stripe": 0, "openai": 0}
    resets = [e for e in await audit.entries(system.bootstrap_servers) if e.action == "offset-reset"]
    assert sorted(e.subject for e in resets) == sorted(g.name for g in GROUPS)
    assert all(e.operator == "e2e" and e.detail["target"] == "earliest" for e in resets)
    assert all(p["to"] == 0 for e in resets for p in e.detail["partitions"])


def revgen_failing(system: System, *args: str) -> str:
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "revgen"), *args], capture_output=True,
                          text=True, env={**os.environ, **system.env(), "COLUMNS": "200"}, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    return done.stdout + done.stderr


async def _committed(system: System, group: str) -> dict:
    from aiokafka.admin import AIOKafkaAdminClient
    admin = AIOKafkaAdminClient(bootstrap_servers=system.bootstrap_servers)
    await admin.start()
    try:
        return await committed_offsets(admin, group)
    finally:
        await admin.close()


def _openai(system: System) -> int:
    return len(system.openai.requests.entries)


async def test_a_trace_follows_an_inbound_sms_to_its_reply_and_delivery_and_a_stripe_event_to_its_change(system):
    async with serving(system, "messaging"), serving(system, "billing"):
        (sid,), subscription = await traffic(system, ["+16465559999"])
        system.stripe.pause(subscription)  # Stripe changes it: billing learns by webhook
        # customer.subscription.updated (status paused), then .paused: the first one carries the change.
        paused, _ = await system.deliver_stripe_events()
        await eventually(lambda: all_caught_up(system), timeout=60, interval=1.0)
    tracer = Tracer({s: create_async_engine(url) for s, url in system.database_urls.items()})
    try:
        sms = (await tracer.trace(sid)).ordered
        stripe = (await tracer.trace(paused["id"])).ordered
    finally:
        for engine in tracer.engines.values():
            await engine.dispose()
    printed = revgen(system, "trace", sid)

    kinds = [(h.kind, h.what.split(" ")[0]) for h in sms]
    webhook = next(i for i, h in enumerate(sms) if h.kind == "webhook" and "twilio-sms" in h.what)
    consumed = next(i for i, h in enumerate(sms) if h.kind == "consumed" and h.where.startswith("messaging ←"))
    send = next(i for i, h in enumerate(sms) if h.kind == "wrote" and h.what.startswith("SendRequested"))
    sent = next(i for i, h in enumerate(sms) if h.kind == "consumed" and h.where.startswith("messaging-sender ←"))
    twilio = next(i for i, h in enumerate(sms) if h.kind == "twilio")
    callback = next(i for i, h in enumerate(sms) if h.kind == "webhook" and "twilio-status" in h.what)
    # One chain, in time order. The sender's inbox row commits after its Twilio call (the
    # call is the batch's Staged prepare), so it may come after the call and its callback.
    # The Twilio call is stamped by messaging's clock (a send's claim, which it compares with
    # Twilio's own stamps), every other hop by its database's now(): here those clocks differ
    # (the system runs on system.clock), so the call is placed by its sid, not by its time.
    assert webhook < consumed < send < callback and send < sent, kinds
    reply_sid = sms[twilio].where.rsplit(" ", 1)[1]
    assert reply_sid in sms[callback].what  # the callback is about the reply we sent
    assert any(h.kind == "consumed" and h.event_id == sms[callback].event_id for h in sms[callback:])
    assert sid in printed and "SendRequested" in printed and "twilio-status" in printed

    changes = [h for h in stripe if h.kind == "wrote" and h.where.startswith("billing outbox → billing.events")]
    assert paused["type"] == "customer.subscription.updated" and paused["data"]["object"]["status"] == "paused"
    assert stripe[0].kind == "webhook" and paused["id"] in stripe[0].what
    assert any(h.kind == "consumed" and h.where.startswith("billing ←") for h in stripe)
    assert [h.what.split(" ")[0] for h in changes] == ["SubscriptionPaused"], [h.what for h in stripe]
