"""Billing's consumer handlers, run by the real consumer over a real broker, fed
hypothesis-generated hostile messages: each is handled or dead-lettered with its reason,
and the valid message behind them all still gets through (no stuck partition)."""
import uuid

from billing.handlers import handlers
from revgen_common.envelope import Envelope
from revgen_testing.message_fuzzing import draw, hostile_messages, through_a_consumer


def lead_outcome(client_id: str) -> Envelope:
    return Envelope(type="LeadOutcomeRecorded", producer="messaging", key=client_id, client_id=client_id, payload={
        "client_id": client_id, "lead_id": str(uuid.uuid4()), "outcome": "won", "job_value_cents": 120000,
        "decided_at": "2026-11-28T15:00:00+00:00"})


async def test_every_hostile_message_is_handled_or_dead_lettered_with_a_reason_and_the_partition_flows(
        infra, make_topic, billing, stripe_fake):
    samples = [
        lead_outcome("c-hostile"),
        Envelope(type="ClientDeleted", producer="identity", key="c-gone", payload={
            "client_id": "c-gone", "deleted_by": "p1"}),
        Envelope(type="StripeEventReceived", producer="ingress", key="cus_1", payload={
            "provider_id": "evt_1", "received_at": "2026-11-28T15:00:00Z", "stripe_type": "customer.deleted",
            "raw": {"id": "evt_1", "type": "customer.deleted", "created": 1764342000,
                    "data": {"object": {"id": "cus_1", "object": "customer"}}}}),
    ]
    topic = await make_topic(partitions=1)
    accounting = await through_a_consumer(infra, billing.engine, topic, handlers(billing.stripe_events, billing.client_events),
                                          draw(hostile_messages(samples), 150), lead_outcome("c-after"))
    print(f"\nbilling handlers, 150 hostile messages then a valid one: {accounting.summary()}")
    assert accounting.applied > 1 and accounting.dead_lettered > 0
