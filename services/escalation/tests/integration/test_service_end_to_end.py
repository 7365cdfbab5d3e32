"""The running service: events in from Kafka (some twice), claim links over HTTP, commands out."""
import asyncio
import uuid

from sqlalchemy import text

from escalation.bootstrap import create_app
from escalation.settings import EscalationSettings
from escalation_testing import CLAIM_BASE, claim_tokens, event, requested, sent
from revgen_common.testing.internal_api import TEST_API_HEADERS, TEST_API_TOKEN
from revgen_common.topics import IDENTITY_EVENTS, MESSAGING_EVENTS
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_testing.kafka_io import publish
from revgen_testing.running import eventually


async def test_events_from_kafka_become_one_escalation_and_claim_links_answer_200_then_409(
        infra, all_topics, escalation_engine, clock):
    settings = EscalationSettings(kafka_bootstrap_servers=infra.bootstrap_servers, claim_base_url=CLAIM_BASE,
                                  escalation_database_url=escalation_engine.url.render_as_string(hide_password=False),
                                  port=free_port(), escalation_api_token=TEST_API_TOKEN)
    c = f"client-{uuid.uuid4().hex[:8]}"
    members = [event("MemberAdded", c, person_id=f"p{i}", name=f"Tech {i}", phone=f"+1555200{i:04d}",
                     role="client_member") for i in range(3)]
    request = requested(c)
    async with serve_app(create_app(settings, clock), settings.port, headers=TEST_API_HEADERS) as api:
        await publish(infra.bootstrap_servers, IDENTITY_EVENTS.name, members)
        await eventually(lambda: _count(escalation_engine, "team_members", c, 3), timeout=60)
        await publish(infra.bootstrap_servers, MESSAGING_EVENTS.name, [request] * 5)  # redelivered
        await eventually(lambda: _sent_count(escalation_engine, c, 3), timeout=60)
        await asyncio.sleep(1)  # room for a (wrong) second round
        assert len(await sent(escalation_engine, c)) == 3

        tokens = list(claim_tokens(await sent(escalation_engine, c)).values())
        first = await api.post(f"/claim/{tokens[0]}")
        late = await api.post(f"/claim/{tokens[1]}")
        assert first.status_code == 200 and late.status_code == 409
        assert late.json()["owner"] == "Tech 0"
        assert (await api.post("/claim/not-a-real-token")).status_code == 404


async def _count(engine, table, client_id, expected):
    async with engine.connect() as db:
        return await db.scalar(text(f"SELECT count(*) FROM {table} WHERE client_id = :c"), {"c": client_id}) >= expected


async def _sent_count(engine, client_id, expected):
    return len(await sent(engine, client_id)) >= expected
