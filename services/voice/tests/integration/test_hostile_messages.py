"""Voice's read-model handlers, run by the real consumer over a real broker, fed
hypothesis-generated hostile messages: each is handled or dead-lettered with its reason,
and the valid message behind them all still gets through (no stuck partition)."""
import uuid

from revgen_common.contracts.identity import (
    ClientCreated,
    ClientDeleted,
    ClientUpdated,
    MemberAdded,
    MemberDeactivated,
    MemberRoleChanged,
)
from revgen_common.contracts.messaging import BusinessHoursSet, EscalationRequested, NumberReleased
from revgen_common.envelope import Envelope
from revgen_testing.message_fuzzing import draw, hostile_messages, through_a_consumer
from voice.handlers import handlers


async def test_every_hostile_message_is_handled_or_dead_lettered_with_a_reason_and_the_partition_flows(
        infra, make_topic, voice_engine):
    c = f"client-{uuid.uuid4().hex[:8]}"
    samples = [Envelope.of(m, "test") for m in (
        BusinessHoursSet(client_id=c, timezone="America/New_York", hours={0: [("08:00", "17:00")]},
                         numbers=["+15557770001"]),
        NumberReleased(client_id=c, number="+15557770001"),
        MemberAdded(client_id=c, person_id="p1", name="Tech", phone="+15552000001", role="client_member"),
        MemberRoleChanged(client_id=c, person_id="p1", role="client_admin"),
        MemberDeactivated(client_id=c, person_id="p1"),
        ClientCreated(client_id=c, agency_id="a1", name="Acme Plumbing"),
        ClientUpdated(client_id=c, name="Acme Plumbing & Heating", status="active"),
        EscalationRequested(request_id="r1", client_id=c, lead_phone="+15550001111", reason="asked", lead_name="Jane"),
        ClientDeleted(client_id=c, deleted_by="p0"),
    )]
    valid = Envelope.of(MemberAdded(client_id=c, person_id="p2", name="Tech 2", role="client_member"), "test")
    topic = await make_topic(partitions=1)
    accounting = await through_a_consumer(infra, voice_engine, topic, handlers(), draw(hostile_messages(samples), 150),
                                          valid)
    print(f"\nvoice handlers, 150 hostile messages then a valid one: {accounting.summary()}")
    assert accounting.applied > 1 and accounting.dead_lettered > 0
