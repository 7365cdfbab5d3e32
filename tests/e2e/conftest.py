"""The whole system in one process: ingress, messaging, billing, identity and escalation served on free ports
over fresh databases (the gateway too, for the tests that log in), the Twilio, Stripe, OpenAI
and Resend fakes, and a Kafka broker of its own,
so "replay from the earliest offset" means this test's traffic and nothing else.

Every service and every fake tells time by one `FakeClock` (`system.clock`), so a story runs
the same at any hour of the real day; a story that needs another hour moves it before the
services start (`system.clock.at_local(...)`), one that needs time to pass advances it."""
from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from billing.adapters.stripe_gateway import StripeGateway
from billing.bootstrap import build as build_billing
from billing.bootstrap import consumer as billing_consumer
from billing.bootstrap import create_app as billing_app
from billing.migrate import upgrade_database as upgrade_billing
from billing.settings import BillingSettings
from escalation.bootstrap import create_app as escalation_app
from escalation.migrate import upgrade_database as upgrade_escalation
from escalation.settings import EscalationSettings
from gateway.bootstrap import create_app as gateway_app
from identity.bootstrap import create_app as identity_app
from identity.migrate import upgrade_database as upgrade_identity
from identity.settings import IdentitySettings
from ingress.bootstrap import create_app as ingress_app
from ingress.migrate import upgrade_database as upgrade_ingress
from ingress.settings import IngressSettings
from messaging.adapters.ai_responder import AIResponder
from messaging.adapters.twilio_sender import TwilioSender
from messaging.bootstrap import build as build_messaging
from messaging.bootstrap import create_app as messaging_app
from messaging.domain.fair_share import FairShare
from messaging.domain.pacing import Pacer
from messaging.entrypoints.consumers import consumers as messaging_consumers
from messaging.migrate import upgrade_database as upgrade_messaging
from messaging.settings import MessagingSettings
from revgen_common import OutboxRelay
from revgen_common.db import create_engine
from revgen_common.testing.clock import FakeClock
from revgen_common.testing.internal_api import TEST_API_HEADERS, TEST_API_TOKEN
from revgen_common.testing.provider_signatures import stripe_signature_header
from revgen_common.topics import ConsumerGroup, await_group_coordinator, ensure_topics
from revgen_devstack import free_port
from revgen_devstack.kafka_broker import KafkaBroker
from revgen_devstack.testing import serve_app
from revgen_fakes import openai as openai_fake
from revgen_fakes import resend as resend_fake
from revgen_fakes import stripe as stripe_fake
from revgen_fakes import twilio as twilio_fake
from revgen_fakes.twilio.webhooks import inbound_sms_request
from revgen_ops.lag import observe
from revgen_testing.running import running

STRIPE_KEY = "sk_test_revgen_e2e"
STRIPE_WEBHOOK_SECRET = "whsec_e2e_6a1c9e4b7d3f5a0c2e8b8d2f"
OPENAI_KEY = "sk-e2e"
PLATFORM_NUMBER = "+15005550006"
CLAIM_BASE_URL = "https://app.revgen.example"  # the gateway, whose /claim/{token} page the links open
RESEND_KEY = "re_e2e"
# When every story starts: a Tuesday, 14:00 in New York, in business hours and outside every
# quiet-hours window (the owners and leads of these stories have New York numbers), far from
# a month's end or a daylight-saving night. Fixed, so no story depends on when it is run.
STARTS_AT = datetime(2026, 12, 1, 14, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(scope="module")
def own_kafka(tmp_path_factory):
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka")).start()
    yield broker.bootstrap_servers
    broker.stop()


@dataclass
class System:
    bootstrap_servers: str
    database_urls: dict[str, str]
    ingress_url: str
    twilio: Any
    stripe: Any
    openai: Any
    settings: dict[str, Any]
    clock: FakeClock
    resend: Any = None
    stripe_events: list[dict] = field(default_factory=list)
    clients: dict[str, Any] = field(default_factory=dict)  # service -> httpx client while it runs

    async def deliver_stripe_events(self, times: int = 1) -> list[dict]:
        """POST every event the Stripe fake emitted so far to ingress, signed as Stripe signs
        (each `times` times, as Stripe does when it did not hear our answer)."""
        sent = list(self.stripe_events)
        self.stripe_events.clear()  # the fake appends to this very list
        for event in sent:
            body = json.dumps(event).encode()
            for _ in range(times):
                answer = await self.clients["ingress"].post("/webhooks/stripe", content=body, headers={
                    "Content-Type": "application/json",
                    "Stripe-Signature": stripe_signature_header(body, [STRIPE_WEBHOOK_SECRET],
                                                                timestamp=int(self.clock().timestamp()))})
                assert answer.status_code == 200, answer.text
        return sent

    async def text_in(self, lead: str, number: str, body: str) -> str:
        """An SMS from `lead` to the client's `number`, as Twilio's signed webhook to ingress;
        its MessageSid."""
        params, headers = inbound_sms_request(f"{self.ingress_url}/webhooks/twilio/sms", lead, number, body,
                                              auth_token=self.twilio.auth_token, account_sid=self.twilio.account_sid)
        answer = await self.clients["ingress"].post("/webhooks/twilio/sms", data=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return params["MessageSid"]

    async def caught_up(self, *groups: ConsumerGroup) -> bool:
        """Each group has read everything on its topics: nothing more is on its way from them."""
        observed = await observe(self.bootstrap_servers, [g.name for g in groups])
        return all(g.partitions and g.lag == 0 for g in observed)

    def env(self) -> dict[str, str]:
        """What `revgen` needs, as an operator's shell would have it."""
        return {"KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
                **{f"{s.upper()}_DATABASE_URL": url for s, url in self.database_urls.items()}}


@pytest.fixture
async def system(own_kafka, migrated_database):
    await ensure_topics(own_kafka)
    await await_group_coordinator(own_kafka)  # a fresh broker: its first groups must not meet it settling
    urls = {"ingress": await migrated_database("ingress", upgrade_ingress),
            "messaging": await migrated_database("messaging", upgrade_messaging),
            "billing": await migrated_database("billing", upgrade_billing),
            "identity": await migrated_database("identity", upgrade_identity),
            "escalation": await migrated_database("escalation", upgrade_escalation)}
    clock = FakeClock(STARTS_AT)  # the providers' clocks too: their timestamps agree with ours
    twilio_state = twilio_fake.TwilioState(clock=clock)
    stripe_state = stripe_fake.StripeState(clock=lambda: int(clock().timestamp()))
    openai_state = openai_fake.OpenAIState(api_keys={OPENAI_KEY}, now=clock)
    openai_state.responder = lambda messages: "Happy to help! When suits you?"
    resend_state = resend_fake.ResendState(api_keys={RESEND_KEY}, now=clock)
    ports = {name: free_port() for name in ("ingress", "messaging", "billing", "identity", "escalation", "twilio",
                                            "stripe", "openai", "resend")}
    ingress_url = f"http://127.0.0.1:{ports['ingress']}"
    settings = {
        "ingress": IngressSettings(
            kafka_bootstrap_servers=own_kafka, ingress_database_url=urls["ingress"], public_base_url=ingress_url,
            port=ports["ingress"], stripe_webhook_secret=STRIPE_WEBHOOK_SECRET,
            twilio_auth_token=twilio_state.auth_token, form_webhook_secret="form-e2e-3c9e1a7f5b2d8c4e6a0f",
            resend_webhook_secret=resend_state.webhook_secret),
        "messaging": MessagingSettings(
            kafka_bootstrap_servers=own_kafka, messaging_database_url=urls["messaging"], port=ports["messaging"],
            twilio_account_sid=twilio_state.account_sid, twilio_auth_token=twilio_state.auth_token,
            twilio_api_base=f"http://127.0.0.1:{ports['twilio']}",
            status_callback_url=f"{ingress_url}/webhooks/twilio/status", platform_number=PLATFORM_NUMBER,
            openai_api_key=OPENAI_KEY, openai_base_url=f"http://127.0.0.1:{ports['openai']}/v1",
            sends_per_number_per_second=50, messaging_api_token=TEST_API_TOKEN, resend_api_key=RESEND_KEY,
            resend_api_base=f"http://127.0.0.1:{ports['resend']}", email_from="RevGen <login@revgen.example>"),
        "billing": BillingSettings(
            kafka_bootstrap_servers=own_kafka, billing_database_url=urls["billing"], port=ports["billing"],
            stripe_api_key=STRIPE_KEY, stripe_api_base=f"http://127.0.0.1:{ports['stripe']}",
            billing_api_token=TEST_API_TOKEN),
        "identity": IdentitySettings(
            kafka_bootstrap_servers=own_kafka, identity_database_url=urls["identity"], port=ports["identity"],
            otp_pepper="pepper-e2e-5b2d8c4e6a0f1b3d9c1e", identity_api_token=TEST_API_TOKEN),
        "escalation": EscalationSettings(
            kafka_bootstrap_servers=own_kafka, escalation_database_url=urls["escalation"], port=ports["escalation"],
            escalation_api_token=TEST_API_TOKEN, claim_base_url=CLAIM_BASE_URL),
    }
    found = System(own_kafka, urls, ingress_url, twilio_state, stripe_state, openai_state, settings, clock,
                   resend_state)
    stripe_state.subscribe(found.stripe_events.append)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(serve_app(twilio_fake.faulty_app(twilio_state), ports["twilio"]))
        await stack.enter_async_context(serve_app(stripe_fake.faulty_app(stripe_state), ports["stripe"]))
        await stack.enter_async_context(serve_app(openai_fake.faulty_app(openai_state), ports["openai"]))
        await stack.enter_async_context(serve_app(resend_fake.faulty_app(resend_state), ports["resend"]))
        found.clients["ingress"] = await stack.enter_async_context(
            serve_app(ingress_app(settings["ingress"], clock), ports["ingress"]))
        yield found
    await twilio_state.aclose()


APPS = {"messaging": messaging_app, "billing": billing_app, "identity": identity_app, "escalation": escalation_app,
        "gateway": gateway_app}


@contextlib.asynccontextmanager
async def consumers_only(system: System, service: str):
    """The service's consumer groups and outbox relay, built as its process builds them,
    without its timers (reconciliation, scheduler, summaries): what a replay re-delivers to,
    so the fakes' counts measure redelivery alone."""
    settings = system.settings[service]
    engine = create_engine(system.database_urls[service])
    components: list = []
    closing: list = []
    if service == "messaging":
        twilio = TwilioSender(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                              str(settings.twilio_api_base), str(settings.status_callback_url),
                              Pacer(settings.sends_per_number_per_second, settings.sends_per_account_per_second))
        ai = AIResponder(settings.openai_api_key.get_secret_value(), str(settings.openai_base_url), FairShare(8))
        components += messaging_consumers(build_messaging(engine, twilio, ai, settings.platform_number, system.clock),
                                          settings)
        closing += [twilio.close, ai.close]
    else:
        stripe = StripeGateway(settings.stripe_api_key.get_secret_value(), str(settings.stripe_api_base))
        components.append(billing_consumer(build_billing(engine, stripe, clock=system.clock), settings))
    components.append(OutboxRelay(name=service, engine=engine, bootstrap_servers=system.bootstrap_servers))
    try:
        async with contextlib.AsyncExitStack() as stack:
            for component in components:
                await stack.enter_async_context(running(component))
            yield
    finally:
        for close in closing:
            await close()
        await engine.dispose()


@contextlib.asynccontextmanager
async def serving(system: System, service: str):
    """The service's whole process (API, consumers, relay, timers) until the block ends."""
    settings = system.settings[service]
    async with serve_app(APPS[service](settings, system.clock), settings.port, headers=TEST_API_HEADERS) as client:
        system.clients[service] = client
        try:
            yield client
        finally:
            system.clients.pop(service, None)
