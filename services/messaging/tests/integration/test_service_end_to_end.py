"""The running service over Kafka: an inbound SMS delivered 5 times gets one reply; Twilio
answering 429 for 10 s sees at most 6 attempts, the backlog shows as consumer lag, and every
message goes out exactly once when Twilio recovers (E3, E10)."""
import asyncio
import time
import uuid

from messaging.bootstrap import create_app
from messaging.entrypoints.consumers import MESSAGING_GROUPS
from messaging_testing import inbound_sms, service_settings
from revgen_common.clock import system_clock
from revgen_common.envelope import Envelope
from revgen_common.testing.internal_api import TEST_API_HEADERS
from revgen_common.topics import MESSAGING_COMMANDS, MESSAGING_SENDS, TWILIO_MESSAGES
from revgen_devstack.testing import serve_app
from revgen_testing.kafka_io import group_caught_up, group_lag, publish, start_groups_at_end
from revgen_testing.running import eventually

LEAD = "+12125550199"
MESSAGES_PATH = "/2010-04-01/Accounts/"
MESSAGES_SENDS = MESSAGING_SENDS.name


async def test_one_reply_per_inbound_sms_and_a_twilio_outage_waits_in_kafka_then_drains(
        infra, all_topics, messaging_engine, twilio, openai):
    settings = service_settings(infra, messaging_engine, twilio, openai,
                                sends_per_account_per_second=1, sends_per_number_per_second=5)
    openai.state.responder = lambda messages: "Happy to help! When suits you?"
    client_id, number = f"client-{uuid.uuid4().hex[:8]}", "+14155550100"
    # Other tests' commands on the shared topics would otherwise queue ahead behind the 1/s limit.
    await start_groups_at_end(infra.bootstrap_servers, MESSAGING_GROUPS)
    async with serve_app(create_app(settings), settings.port, headers=TEST_API_HEADERS) as api:
        profile = {"business_name": "Ace", "numbers": [number], "quiet_start": "00:00", "quiet_end": "00:00"}
        assert (await api.put(f"/clients/{client_id}/profile", json=profile)).status_code == 200
        sms = inbound_sms(number, LEAD, "Do you fix boilers?", at=system_clock())  # the app's clock
        await publish(infra.bootstrap_servers, TWILIO_MESSAGES.name,
                      [sms.model_copy(update={"event_id": uuid.uuid4()}) for _ in range(5)])
        await eventually(lambda: _sent_to(twilio, LEAD, 1), timeout=60)

        twilio.faults.randomly(1.0, "429:retry_after=2", path_prefix=MESSAGES_PATH)
        outage_started = time.monotonic()
        recipients = [f"+1646555{i:04d}" for i in range(20)]
        await publish(infra.bootstrap_servers, MESSAGING_COMMANDS.name, [Envelope(
            type="SendMessage", producer="escalation", key=f"{client_id}|{to}", client_id=client_id,
            payload={"client_id": client_id, "to": to, "body": f"Your technician is on the way ({to})",
                     "purpose": "other"}) for to in recipients])
        lags = []
        while time.monotonic() - outage_started < 10:
            lags.append(await group_lag(infra.bootstrap_servers, "messaging-sender", MESSAGES_SENDS))
            await asyncio.sleep(1)
        outage_ended = time.monotonic()
        twilio.faults.clear()
        attempts = [t for t in twilio.state.requests.times("POST", MESSAGES_PATH) if outage_started <= t <= outage_ended]
        assert 2 <= len(attempts) <= 6, attempts  # Twilio was asked again (probes), but not hammered
        assert max(lags) > 0, lags  # the backlog is visible to operators as consumer lag

        await eventually(lambda: _all_sent(twilio, recipients), timeout=90, interval=0.5)
        await eventually(lambda: group_caught_up(infra.bootstrap_servers, "messaging-sender", MESSAGES_SENDS),
                         timeout=30, interval=0.5)
        await asyncio.sleep(1)
    assert len(twilio.state.sent_to(LEAD)) == 1
    assert sorted(m.to for m in twilio.state.messages if m.to in recipients) == sorted(recipients)


async def _sent_to(twilio, phone, count) -> bool:
    return len(twilio.state.sent_to(phone)) >= count


async def _all_sent(twilio, recipients) -> bool:
    return {m.to for m in twilio.state.messages} >= set(recipients)
