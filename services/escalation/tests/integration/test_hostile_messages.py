"""Escalation's consumer handlers, run by the real consumer over a real broker, fed
hypothesis-generated hostile messages: each is handled or dead-lettered with its reason,
and the valid message behind them all still gets through (no stuck partition)."""
import uuid

from escalation.handlers import handlers
from escalation_testing import event, requested
from revgen_testing.message_fuzzing import draw, hostile_messages, through_a_consumer


async def test_every_hostile_message_is_handled_or_dead_lettered_with_a_reason_and_the_partition_flows(
        infra, make_topic, escalation_engine, escalations, roster):
    c = f"client-{uuid.uuid4().hex[:8]}"
    samples = [
        requested(c, due_at="2026-11-28T16:00:00+00:00"),
        event("MemberAdded", c, person_id="p1", name="Tech", phone="+15552000001", role="client_member"),
        event("MemberRoleChanged", c, person_id="p1", role="client_admin"),
        event("MemberDeactivated", c, person_id="p1"),
        event("BusinessHoursSet", c, timezone="America/New_York", hours={"0": [["08:00", "17:00"]]}),
        event("LeadOptedOut", c, lead_phone="+15550001111", source="message", message_sid="SM1",
              changed_at="2026-11-28T15:00:00+00:00"),
        event("LeadOptedIn", c, lead_phone="+15550001111", source="message", message_sid="SM2",
              changed_at="2026-11-28T15:05:00+00:00"),
    ]
    topic = await make_topic(partitions=1)
    accounting = await through_a_consumer(infra, escalation_engine, topic, handlers(escalations, roster),
                                          draw(hostile_messages(samples), 150), requested(c))
    print(f"\nescalation handlers, 150 hostile messages then a valid one: {accounting.summary()}")
    assert accounting.applied > 1 and accounting.dead_lettered > 0
