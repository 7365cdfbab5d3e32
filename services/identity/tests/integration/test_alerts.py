"""Alerts to people on the real broker: identity's consumer turns a billing event, a number
Twilio will not take back and a consumer's dead letter into one SendMessage per person and
channel — the people who can act, each by the channels they chose — once per cause,
whether the event is redelivered, reported again by another event, or replayed."""
import json
import uuid

from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from identity_testing import log_in
from revgen_common.contracts.billing import DisputeOpened, PaymentFailed
from revgen_common.contracts.messaging import NumberReleaseRefused
from revgen_common.contracts.reputation import LowRatingReceived, ReviewSourceDisconnected
from revgen_common.envelope import Envelope
from revgen_common.kafka_config import producer_config
from revgen_common.topics import BILLING_EVENTS, DEAD_LETTERS, MESSAGING_EVENTS, REPUTATION_EVENTS
from revgen_testing.kafka_io import group_caught_up, publish
from revgen_testing.running import eventually

OWNER, ADMIN_EMAIL, STAFF, CLIENT_OWNER = "+14155550600", "ops@agency.example", "+14155550601", "+14155550602"
OPERATOR = "+14155550609"


async def alerts_sent(engine) -> list[tuple[str, str | None, str]]:
    """(to, subject, body) of every alert identity handed to messaging, in order."""
    async with engine.connect() as db:
        rows = await db.execute(text("SELECT value FROM outbox WHERE topic = 'messaging.commands' ORDER BY id"))
        payloads = [json.loads(r.value)["payload"] for r in rows]
    return [(p["to"], p["subject"], p["body"]) for p in payloads if p["purpose"] == "alert"]


async def told(engine, cause: str) -> bool:
    async with engine.connect() as db:
        return await db.scalar(text("SELECT count(*) FROM alerts WHERE cause = :c"), {"c": cause}) == 1


def dispute(client_id: str, dispute_id: str) -> DisputeOpened:
    return DisputeOpened(client_id=client_id, dispute_id=dispute_id, charge_id="ch_1", amount_cents=9900,
                         currency="usd", status="needs_response", reason="fraudulent")


async def test_a_dispute_delivered_three_times_and_reported_twice_tells_each_billing_person_once_per_channel(
        api, tenants, agency_team, identity_engine, infra):
    agency, owner = await tenants.create_agency("Acme Agency", OWNER, "Ada Owner")
    await agency_team.add_member(owner, agency, ADMIN_EMAIL, "Bo Admin", "agency_admin")
    await agency_team.add_member(owner, agency, STAFF, "Sam Staff", "agency_staff")  # cannot act on billing
    client = (await tenants.create_client(owner, agency, "Ace Plumbing"))["id"]
    await tenants.add_member(owner, uuid.UUID(client), CLIENT_OWNER, "Cleo Client", "client_owner")
    await tenants.grant_platform_role(OPERATOR, "Olga Operator", "operator")  # not told a client's billing

    opened = Envelope.of(dispute(client, "dp_1"), "billing")
    reported_again = Envelope.of(dispute(client, "dp_1"), "billing")  # another event, the same dispute
    await publish(infra.bootstrap_servers, BILLING_EVENTS.name, [opened, opened, opened, reported_again])
    await eventually(lambda: told(identity_engine, "dispute:dp_1"), timeout=30, interval=0.1)
    await caught_up_with(infra, BILLING_EVENTS.name)

    sent = await alerts_sent(identity_engine)
    assert sorted((to, subject) for to, subject, _ in sent) == [
        (OWNER, None), (CLIENT_OWNER, None), (ADMIN_EMAIL, "Payment disputed for Ace Plumbing")]
    assert all("99.00 USD" in body and "Ace Plumbing" in body for _, _, body in sent)


async def test_a_person_who_chose_email_is_told_by_email_alone(api, tenants, identity_engine, infra):
    agency, owner = await tenants.create_agency("Beta Agency", OWNER, "Ada Owner")
    client = (await tenants.create_client(owner, agency, "Beta Roofing"))["id"]
    async with identity_engine.begin() as db:  # no API adds a second contact yet: both, as MemberAdded can carry
        await db.execute(text("UPDATE people SET email = 'ada@agency.example' WHERE id = :p"), {"p": owner})
    headers = await log_in(api, identity_engine, OWNER)
    chosen = await api.put("/me/alert-channels", json={"channels": "email"}, headers=headers)
    assert chosen.status_code == 200 and chosen.json() == {"alert_channels": "email"}
    assert (await api.put("/me/alert-channels", json={"channels": "fax"}, headers=headers)).status_code == 422
    assert (await api.get("/me", headers=headers)).json()["person"]["alert_channels"] == "email"

    failed = Envelope.of(PaymentFailed(client_id=client, invoice_id="in_9", subscription_id="sub_9", amount_cents=4900,
                                       currency="usd", attempt_count=1), "billing")
    await publish(infra.bootstrap_servers, BILLING_EVENTS.name, [failed])
    await eventually(lambda: told(identity_engine, "payment_failed:in_9"), timeout=30, interval=0.1)

    assert [(to, subject) for to, subject, _ in await alerts_sent(identity_engine)] == [
        ("ada@agency.example", "Payment failed for Beta Roofing")]


async def test_platform_troubles_reach_the_operators_once_and_a_dead_letter_of_a_dead_letter_none(
        api, tenants, identity_engine, infra):
    await tenants.grant_platform_role(OPERATOR, "Olga Operator", "operator")
    refused = Envelope.of(NumberReleaseRefused(client_id=str(uuid.uuid4()), number="+14155550699",
                                               reason="twilio refused (20003)"), "messaging")
    await publish(infra.bootstrap_servers, MESSAGING_EVENTS.name, [refused, refused])
    original = Envelope.of(dispute(str(uuid.uuid4()), "dp_dead"), "billing")
    await dead_letter(infra, "escalation", BILLING_EVENTS.name, original.to_bytes(), copies=2)  # a copy, a re-drive
    await dead_letter(infra, "identity", DEAD_LETTERS.name, b"\xff not an envelope")
    await eventually(lambda: told(identity_engine, f"dead_letter:escalation:{original.event_id}"), timeout=30,
                     interval=0.1)
    await eventually(lambda: told(identity_engine, "number_release_refused:+14155550699"), timeout=30, interval=0.1)
    await caught_up_with(infra, DEAD_LETTERS.name)

    sent = await alerts_sent(identity_engine)
    assert [to for to, _, _ in sent] == [OPERATOR, OPERATOR]
    assert sorted(body.split()[1] for _, _, body in sent) == ["Twilio", "consumer"]


async def test_a_lost_review_source_tells_the_clients_owner_once_and_a_low_rating_its_whole_team_once(
        api, tenants, identity_engine, infra):
    agency, owner = await tenants.create_agency("Gamma Agency", OWNER, "Ada Owner")  # the agency: not told
    client = (await tenants.create_client(owner, agency, "Gamma Dental"))["id"]
    await tenants.add_member(owner, uuid.UUID(client), CLIENT_OWNER, "Cleo Client", "client_owner")
    await tenants.add_member(owner, uuid.UUID(client), STAFF, "Sam Tech", "client_member")
    lost = Envelope.of(ReviewSourceDisconnected(client_id=client, source="google", connection_id="c-1",
                                                reason="Token has been expired or revoked."), "reputation")
    low = Envelope.of(LowRatingReceived(client_id=client, source="facebook", review_id="77_1", rating=1, author="Dee",
                                        excerpt="Never again"), "reputation")
    await publish(infra.bootstrap_servers, REPUTATION_EVENTS.name, [lost, lost, low, low])
    await eventually(lambda: told(identity_engine, "low_rating:facebook:77_1"), timeout=30, interval=0.1)
    await eventually(lambda: told(identity_engine, "source_lost:c-1"), timeout=30, interval=0.1)
    await caught_up_with(infra, REPUTATION_EVENTS.name)

    sent = await alerts_sent(identity_engine)
    assert sorted((to, body.split(":")[1].split()[0]) for to, _, body in sent) == sorted([
        (CLIENT_OWNER, "Google"), (CLIENT_OWNER, "Dee"), (STAFF, "Dee")])  # the agency's owner: neither
    assert all("Gamma Dental" in body for _, _, body in sent)


async def dead_letter(infra, consumer: str, topic: str, value: bytes, copies: int = 1) -> None:
    """A dead letter as a consumer writes one: the original bytes, where from and why in headers."""
    headers = [("dlq.consumer", consumer), ("dlq.original.topic", topic), ("dlq.original.partition", "0"),
               ("dlq.original.offset", "7"), ("dlq.original.key", "k"), ("dlq.error.class", "PermanentError"),
               ("dlq.error.message", "a value the database refused")]
    producer = AIOKafkaProducer(**producer_config(infra.bootstrap_servers))
    await producer.start()
    try:
        for _ in range(copies):
            await producer.send_and_wait(DEAD_LETTERS.name, value, key=consumer.encode(),
                                         headers=[(k, v.encode()) for k, v in headers])
    finally:
        await producer.stop()


async def caught_up_with(infra, topic: str) -> None:
    """Identity's group has read `topic` to its end, so anything it would send more is sent."""
    await eventually(lambda: group_caught_up(infra.bootstrap_servers, "identity", topic), timeout=30, interval=0.1)
