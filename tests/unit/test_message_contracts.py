"""Typed messages end to end: every message is a registered contract with its topic and key
rule; publishing takes a contract; handler tables are keyed by contract class and checked
when a consumer is built; the AsyncAPI document is what the code says."""
import json
import pathlib
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

import billing.bootstrap
import billing.handlers
import escalation.bootstrap
import escalation.handlers
import identity.handlers
import messaging.bootstrap
import messaging.handlers
import reputation.handlers
import voice.handlers
from gateway.adapters.identity_events import InvalidationFeed
from gateway.adapters.live_events import LiveFeed
from gateway.service_layer.decision_cache import DecisionCache
from gateway.service_layer.live import Hub
from ingress.domain.form_webhooks import client_form_secret, sign_form, verify_form
from ingress.domain.twilio_webhooks import MultiValues, inbound_message, message_status
from messaging.adapters.resend_sender import ResendSender
from messaging.domain.pacing import Pacer
from reputation import bootstrap as reputation_bootstrap
from reputation_testing import settings_for as reputation_settings
from revgen_common import ExactlyOnceConsumer, OwnTransactions
from revgen_common.clock import system_clock
from revgen_common.contracts import CONTRACTS, asyncapi, topic_table
from revgen_common.contracts import billing as billing_events
from revgen_common.contracts.commands import SendMessage
from revgen_common.contracts.identity import ClientCreated, SessionRevoked
from revgen_common.contracts.messaging import LeadConsentChanged, SendRequested
from revgen_common.contracts.webhooks import StripeEventReceived
from revgen_common.envelope import Envelope
from revgen_common.topics import (
    ALL_TOPICS,
    BILLING_GROUP,
    ESCALATION_GROUP,
    FOLLOWERS,
    IDENTITY_GROUP,
    MESSAGING_EMAIL_GROUP,
    MESSAGING_GROUP,
    MESSAGING_SENDER_GROUP,
    REPUTATION_GROUP,
    VOICE_GROUP,
)
from revgen_common.unit_of_work import UnitOfWork

ROOT = pathlib.Path(__file__).resolve().parents[2]
AT = datetime(2026, 11, 28, 15, tzinfo=UTC)
OURS = {name: c for name, c in CONTRACTS.items() if c.__module__.startswith("revgen_common.contracts.")}


def test_every_message_names_a_declared_topic_and_who_publishes_it():
    assert len(OURS) >= 40
    for name, contract in OURS.items():
        assert contract.topic in ALL_TOPICS, name
        assert contract.producers(), f"{name} names no producer"


def test_an_envelope_takes_its_type_key_client_and_payload_from_the_contract():
    envelope = Envelope.of(SendMessage(client_id="c1", to="+15550001111", body="hi", purpose="reply"), "escalation")
    assert (envelope.type, envelope.key, envelope.client_id, envelope.producer) == \
           ("SendMessage", "c1|+15550001111", "c1", "escalation")
    assert envelope.contract() == SendMessage(client_id="c1", to="+15550001111", body="hi", purpose="reply")
    login_code = Envelope.of(SendMessage(to="+15550001111", body="code", purpose="otp"), "identity")
    assert (login_code.key, login_code.client_id) == ("platform|+15550001111", None)


def test_a_payload_is_written_by_its_aliases_and_read_back_by_them():
    send_id = uuid.uuid4()
    envelope = Envelope.of(SendRequested(send_id=send_id, to="+15550001111", from_="+15550002222"), "messaging")
    assert envelope.payload == {"send_id": str(send_id), "to": "+15550001111", "from": "+15550002222"}
    assert envelope.key == "+15550001111" and envelope.contract().from_ == "+15550002222"


def test_events_about_a_person_are_keyed_by_the_person_and_concern_no_client():
    envelope = Envelope.of(SessionRevoked(person_id="p1", session_id="s1"), "identity")
    assert (envelope.key, envelope.client_id) == ("p1", None)


def test_an_abstract_contract_cannot_be_published_by_its_type_name():
    assert "LeadConsentChanged" not in CONTRACTS and "SubscriptionOutcome" not in CONTRACTS
    assert issubclass(CONTRACTS["LeadOptedOut"], LeadConsentChanged)


async def test_a_unit_of_work_without_a_producer_refuses_to_publish_a_contract():
    engine = create_async_engine("postgresql+asyncpg://nobody@localhost/nothing")  # never connected
    with pytest.raises(TypeError, match="names no producer"):
        UnitOfWork(engine).publish(ClientCreated(client_id="c", agency_id="a", name="n"))


def test_ingress_picks_the_partition_by_the_key_its_message_will_carry():
    hooks = [
        inbound_message(MultiValues([("MessageSid", "SM1"), ("To", "+15550000001"), ("From", "+15550000002")])),
        message_status(MultiValues([("MessageSid", "SM1"), ("MessageStatus", "sent"), ("From", "+15550000001"),
                                    ("To", "+15550000002")])),
    ]
    for hook in hooks:
        assert hook.envelope(AT).key == hook.key == "+15550000001|+15550000002"
        assert hook.envelope(AT).type == hook.contract.type_name()
    stripe_event = {"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": "in_1", "customer": "cus_9"}}}
    assert StripeEventReceived.key_of(stripe_event) == "cus_9"


def test_a_form_submission_is_keyed_and_attributed_to_its_client():
    body, sent_at = b'{"name": "Ann"}', str(int(AT.timestamp()))
    signature = sign_form(client_form_secret("secret", "client-7"), sent_at, body)
    hook = verify_form("client-7", body, sent_at, signature, None, "secret", AT.timestamp())
    envelope = hook.envelope(AT)
    assert (envelope.key, envelope.client_id, envelope.payload["form_client_id"]) == ("client-7", "client-7", "client-7")


def _handler_tables():
    engine = create_async_engine("postgresql+asyncpg://nobody@localhost/nothing")  # never connected
    resend = ResendSender("re_never_used", "http://127.0.0.1:9", "RevGen <a@revgen.example>", Pacer(1, 1))
    service = messaging.bootstrap.build(engine, None, None, "+15550000000", resend=resend)
    escalation_service = escalation.bootstrap.build(engine, "https://claim.example", timedelta(minutes=5))
    bills = billing.bootstrap.build(engine, None)
    reviews = reputation_bootstrap.build(
        engine, reputation_settings("127.0.0.1:9", "postgresql+asyncpg://nobody@localhost/nothing", 0, {}))
    return {BILLING_GROUP: billing.handlers.handlers(bills.stripe_events, bills.client_events),
            ESCALATION_GROUP: escalation.handlers.handlers(escalation_service.escalations, escalation_service.roster),
            IDENTITY_GROUP: identity.handlers.handlers(),
            MESSAGING_GROUP: messaging.handlers.inbound_handlers(service),
            MESSAGING_SENDER_GROUP: messaging.handlers.sender_handlers(service),
            MESSAGING_EMAIL_GROUP: messaging.handlers.email_handlers(service), VOICE_GROUP: voice.handlers.handlers(),
            REPUTATION_GROUP: reputation.handlers.handlers(reviews.polling, reviews.replies)}


def test_each_consumer_group_declares_the_messages_its_handlers_apply():
    for group, table in _handler_tables().items():
        assert sorted(c.type_name() for c in table) == sorted(group.handles), group.name
        assert {c.topic for c in table} <= set(group.topics), f"{group.name} handles a message of a topic it does not read"


@pytest.mark.parametrize("key", ["ClientCreated", billing_events.SubscriptionOutcome, LeadConsentChanged, int])
def test_a_consumer_keyed_by_anything_but_a_registered_contract_refuses_to_start(key):
    engine = create_async_engine("postgresql+asyncpg://nobody@localhost/nothing")
    with pytest.raises(TypeError, match="no registered message contract"):
        ExactlyOnceConsumer(name="c", topics=["t"], handlers={key: OwnTransactions(None)}, engine=engine,
                            bootstrap_servers="localhost:9")


def test_services_build_no_envelope_by_hand():
    by_hand = [f"{path.relative_to(ROOT)}:{n}" for path in ROOT.glob("services/*/src/**/*.py")
               for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"\bEnvelope\(", line)]
    assert by_hand == []


def test_the_asyncapi_document_is_what_the_code_says():
    written = json.loads((ROOT / "docs" / "asyncapi.json").read_text())
    assert written == json.loads(json.dumps(asyncapi.document())), "docs/asyncapi.json is stale: run ./dev asyncapi"


def test_the_architecture_documents_topic_table_is_what_the_code_says():
    document = (ROOT / "docs" / "architecture.md").read_text()
    assert topic_table.rewritten(document) == document, "docs/architecture.md's topic table is stale: ./dev asyncapi"


def test_every_message_no_group_applies_says_why_and_no_reason_outlives_its_message():
    assert sorted(topic_table.UNCONSUMED_BECAUSE) == topic_table.unconsumed()


def test_the_declared_followers_are_the_topics_the_gateway_follows():
    live = LiveFeed("localhost:9", hub=Hub())  # never started
    decisions = InvalidationFeed("localhost:9", DecisionCache(timedelta(seconds=30), system_clock))
    assert {(f.name, tuple(t.name for t in f.topics)) for f in FOLLOWERS} == {
        ("gateway live pages", tuple(live.topics)), ("gateway decision cache", tuple(decisions.topics))}
