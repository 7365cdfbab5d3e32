"""The deployed shape (ADR 0017): messaging run with SENDER_IN_OWN_PROCESS records an inbound
SMS and queues its reply but calls Twilio for nothing; the sender's own app sends it, once."""
import uuid

from sqlalchemy import text

from messaging.bootstrap import create_app, create_sender_app
from messaging.entrypoints.consumers import MESSAGING_GROUPS
from messaging_testing import inbound_sms, service_settings
from revgen_common.clock import system_clock
from revgen_common.testing.internal_api import TEST_API_HEADERS
from revgen_common.topics import MESSAGING_SENDS, TWILIO_MESSAGES
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_testing.kafka_io import group_lag, publish, start_groups_at_end
from revgen_testing.running import eventually

LEAD = "+12125550142"


async def test_with_the_sender_in_its_own_process_messaging_queues_the_reply_and_only_the_sender_sends_it(
        infra, all_topics, messaging_engine, twilio, openai):
    settings = service_settings(infra, messaging_engine, twilio, openai, sender_in_own_process=True)
    openai.state.responder = lambda messages: "Yes, we fix boilers."
    client_id, number = f"client-{uuid.uuid4().hex[:8]}", "+14155550142"
    # Other tests' messages on the shared topics are not ours to send.
    await start_groups_at_end(infra.bootstrap_servers, MESSAGING_GROUPS)
    async with serve_app(create_app(settings), settings.port, headers=TEST_API_HEADERS) as api:
        profile = {"business_name": "Ace", "numbers": [number], "quiet_start": "00:00", "quiet_end": "00:00"}
        assert (await api.put(f"/clients/{client_id}/profile", json=profile)).status_code == 200
        await publish(infra.bootstrap_servers, TWILIO_MESSAGES.name,
                      [inbound_sms(number, LEAD, "Do you fix boilers?", at=system_clock())])
        await eventually(lambda: _reply_status(messaging_engine, LEAD, "pending"), timeout=60)
        await eventually(lambda: _sender_lag_at_least(infra, 1), timeout=30)
        assert twilio.state.sent_to(LEAD) == []  # queued, and waiting in Kafka for the sender

        sender = settings.model_copy(update={"port": free_port()})
        async with serve_app(create_sender_app(sender), sender.port, headers=TEST_API_HEADERS):
            await eventually(lambda: _reply_status(messaging_engine, LEAD, "queued"), timeout=60)
    assert [m.body for m in twilio.state.sent_to(LEAD)] == ["Yes, we fix boilers."]


async def _reply_status(engine, phone: str, status: str) -> bool:
    async with engine.connect() as db:
        found = await db.scalar(text("SELECT status FROM sends WHERE to_number = :p AND purpose = 'reply'"), {"p": phone})
    return found == status


async def _sender_lag_at_least(infra, count: int) -> bool:
    return await group_lag(infra.bootstrap_servers, "messaging-sender", MESSAGING_SENDS.name) >= count
