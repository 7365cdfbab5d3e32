"""A publish whose acknowledgement was lost may still have landed: a retry must not put a
second copy on the topic, nor give up on one that never landed."""
import json
import time
import uuid

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ingress.adapters.kafka_publisher import EVENT_ID_HEADER, KafkaPublisher, partition_for
from ingress_testing import SECRETS, deliver, stripe_event
from revgen_common.envelope import Envelope, event_id_from
from revgen_common.testing.provider_signatures import stripe_signature_header
from revgen_common.topics import STRIPE_WEBHOOKS
from revgen_testing.kafka_io import partitions_of, read_all

SECRET = SECRETS["stripe_webhook_secret"]


async def leave_pending(database_url, provider_id, partition, seconds_ago):
    """What a crash between 'claimed' and 'acknowledged' leaves in the ledger."""
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(text("""
            INSERT INTO webhook_ledger (source, provider_id, received_on, event_id, kafka_topic, kafka_partition,
                                        state, attempt_at)
            VALUES ('stripe', :pid, current_date, :eid, :topic, :partition, 'pending',
                    now() - make_interval(secs => :ago))"""),
            {"pid": provider_id, "eid": event_id_from("stripe", provider_id), "topic": STRIPE_WEBHOOKS.name,
             "partition": partition, "ago": float(seconds_ago)})
    await engine.dispose()


async def partition_of(infra, key: str) -> int:
    """Where ingress sends (and later looks for) messages with this key."""
    return partition_for(key, len(await partitions_of(infra.bootstrap_servers, STRIPE_WEBHOOKS.name)))


async def copies_on_topic(infra, provider_id):
    records = await read_all(infra.bootstrap_servers, STRIPE_WEBHOOKS.name, timeout=60)
    return sum(Envelope.from_bytes(r.value).payload["provider_id"] == provider_id for r in records)


async def test_a_retry_of_an_event_that_did_land_is_answered_2xx_without_a_second_copy(ingress, infra):
    body = stripe_event(customer=f"cus_{uuid.uuid4().hex[:6]}")
    event = json.loads(body)
    partition = await partition_of(infra, event["data"]["object"]["customer"])
    await leave_pending(ingress.settings.ingress_database_url, event["id"], partition, seconds_ago=60)
    # ...and the lost publish did reach Kafka, as the crashed process never learnt:
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap_servers)
    await producer.start()
    landed = Envelope(event_id=event_id_from("stripe", event["id"]), type="StripeEventReceived", producer="ingress",
                      key=event["data"]["object"]["customer"],
                      payload={"provider_id": event["id"], "received_at": "x", "raw": event})
    await producer.send_and_wait(STRIPE_WEBHOOKS.name, landed.to_bytes(), key=landed.key.encode(),
                                 partition=partition, headers=[(EVENT_ID_HEADER, str(landed.event_id).encode())])
    await producer.stop()

    response = await deliver(ingress, body, stripe_signature_header(body, [SECRET]))
    assert response.status_code == 200
    assert await copies_on_topic(infra, event["id"]) == 1


async def test_a_retry_of_an_event_that_never_landed_publishes_it_once(ingress, infra):
    body = stripe_event(customer=f"cus_{uuid.uuid4().hex[:6]}")
    event = json.loads(body)
    partition = await partition_of(infra, event["data"]["object"]["customer"])
    await leave_pending(ingress.settings.ingress_database_url, event["id"], partition, seconds_ago=60)

    for _ in range(3):
        assert (await deliver(ingress, body, stripe_signature_header(body, [SECRET]))).status_code == 200
    assert await copies_on_topic(infra, event["id"]) == 1


async def test_while_an_outcome_may_still_arrive_a_retry_is_told_to_come_back_later(ingress, infra):
    body = stripe_event()
    event = json.loads(body)
    await leave_pending(ingress.settings.ingress_database_url, event["id"], 0, seconds_ago=0)
    started = time.monotonic()
    response = await deliver(ingress, body, stripe_signature_header(body, [SECRET]))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert time.monotonic() - started <= 3.0
    assert await copies_on_topic(infra, event["id"]) == 0


async def test_a_lost_mark_is_settled_by_the_topic_on_the_next_delivery_without_a_second_copy(ingress, infra):
    body = stripe_event(customer=f"cus_{uuid.uuid4().hex[:6]}")
    event = json.loads(body)
    assert (await deliver(ingress, body, stripe_signature_header(body, [SECRET]))).status_code == 200
    # As if the process died between the 2xx and its batch of marks, a minute ago:
    engine = create_async_engine(ingress.settings.ingress_database_url)
    async with engine.begin() as connection:
        await connection.execute(text("""
            UPDATE webhook_ledger SET state = 'pending', published_at = NULL, attempt_at = now() - interval '60 s'
            WHERE provider_id = :pid"""), {"pid": event["id"]})
    await engine.dispose()

    assert (await deliver(ingress, body, stripe_signature_header(body, [SECRET]))).status_code == 200
    assert await copies_on_topic(infra, event["id"]) == 1


async def test_a_settle_scan_reads_only_the_window_a_lost_attempt_was_stamped_in_not_the_traffic_after(infra,
                                                                                                    make_topic):
    topic = await make_topic(partitions=1)
    attempt_at = time.time() - 3 * 3600  # wall clock: Kafka stamps records with it; an outage 3 h ago
    in_window, long_after = uuid.uuid4(), uuid.uuid4()
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap_servers)
    await producer.start()
    try:
        for event_id, stamped in ((in_window, attempt_at + 1), (long_after, attempt_at + 2 * 3600)):
            await producer.send_and_wait(topic, b"{}", partition=0, timestamp_ms=int(stamped * 1000),
                                         headers=[(EVENT_ID_HEADER, str(event_id).encode())])
    finally:
        await producer.stop()
    publisher = KafkaPublisher(infra.bootstrap_servers, request_timeout_ms=5000)

    assert await publisher.landed_since(topic, 0, in_window, attempt_at, within=30)
    # Stamped two hours after the attempt: not this attempt, and not read at all.
    assert not await publisher.landed_since(topic, 0, long_after, attempt_at, within=30)
    assert await publisher.landed_since(topic, 0, long_after, attempt_at, within=3 * 3600)
