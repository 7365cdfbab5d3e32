"""The whole front door for tests: the gateway in front of identity, billing, messaging,
escalation, voice and reputation (each its real app on a port of its own, as the other services' end-to-end tests
run them), with ingress taking the providers' signed webhooks, over the session's Kafka and
fresh PostgreSQL databases, with the Twilio, OpenAI, Stripe, ElevenLabs and Google fakes (Twilio's delivery
callbacks go to ingress, as the real ones would). Everything shares one FakeClock."""
from __future__ import annotations

import contextlib
import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from billing.bootstrap import create_app as billing_app
from billing.migrate import upgrade_database as billing_migrations
from billing.settings import BillingSettings
from escalation.bootstrap import create_app as escalation_app
from escalation.migrate import upgrade_database as escalation_migrations
from escalation.settings import EscalationSettings
from gateway.bootstrap import create_app as gateway_app
from gateway.domain.csrf import csrf_token
from gateway.settings import GatewaySettings
from identity.bootstrap import create_app as identity_app
from identity.migrate import upgrade_database as identity_migrations
from identity.service_layer.agency_team import AgencyTeam
from identity.service_layer.tenants import Tenants
from identity.settings import IdentitySettings
from ingress.bootstrap import create_app as ingress_app
from ingress.migrate import upgrade_database as ingress_migrations
from ingress.settings import IngressSettings
from messaging.bootstrap import create_app as messaging_app
from messaging.migrate import upgrade_database as messaging_migrations
from messaging.settings import MessagingSettings
from reputation.bootstrap import create_app as reputation_app
from reputation.migrate import upgrade_database as reputation_migrations
from reputation.settings import ReputationSettings
from revgen_common.testing.internal_api import TEST_API_TOKEN
from revgen_common.testing.provider_signatures import stripe_signature_header
from revgen_common.topics import CONSUMER_GROUPS
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes import elevenlabs as elevenlabs_fake
from revgen_fakes import google as google_fake
from revgen_fakes import openai as openai_fake
from revgen_fakes import stripe as stripe_fake
from revgen_fakes import twilio as twilio_fake
from revgen_fakes.twilio.webhooks import inbound_sms_request
from revgen_testing.kafka_io import start_groups_at_end
from revgen_testing.running import eventually
from voice.bootstrap import create_app as voice_app
from voice.migrate import upgrade_database as voice_migrations
from voice.settings import VoiceSettings

PEPPER = "pepper-for-gateway-tests-3c9e1f"
CSRF_SECRET = "csrf-secret-for-gateway-tests-8a2d4f"
PLATFORM_NUMBER = "+15005550006"
OPENAI_KEY = "sk-gateway-tests"
ELEVENLABS_KEY = "el-gateway-tests"
STRIPE_KEY = "sk_test_gateway_tests"
STRIPE_WEBHOOK_SECRET = "whsec_gateway_tests_5e1a9c3b7d2f4a6c"
SERVICES = ("identity", "billing", "messaging", "escalation", "voice", "reputation")  # behind the gateway
GENEROUS = {"login_per_address_per_minute": 10_000, "login_per_identifier_per_minute": 10_000,
            "writes_per_address_per_minute": 10_000, "writes_per_person_per_minute": 10_000}


@dataclass
class System:
    url: str  # the gateway's public origin
    api: httpx.AsyncClient  # to the gateway, no credentials of its own
    app: Any  # the gateway's FastAPI app
    gateway: Any  # its composition root, running (bootstrap.Gateway)
    engines: dict[str, AsyncEngine]
    ports: dict[str, int]
    clock: Any
    twilio: Any
    stripe: Any
    ingress: httpx.AsyncClient
    google: Any  # the Google fake's state (OAuth consent, reviews, replies)
    reputation: Any  # reputation's app: tests make its polling rounds themselves (`.state.polling.schedule()`)
    stripe_events: list[dict] = field(default_factory=list)  # what the Stripe fake emitted, not yet delivered

    async def deliver_stripe_events(self) -> int:
        """POST every event the Stripe fake emitted so far to ingress, signed as Stripe signs."""
        events, self.stripe_events[:] = list(self.stripe_events), []
        for event in events:
            body = json.dumps(event).encode()
            answer = await self.ingress.post("/webhooks/stripe", content=body, headers={
                "Content-Type": "application/json",
                "Stripe-Signature": stripe_signature_header(body, [STRIPE_WEBHOOK_SECRET],
                                                            timestamp=int(self.clock().timestamp()))})
            assert answer.status_code == 200, answer.text
        return len(events)

    def csrf(self, token: str) -> str:
        return csrf_token(CSRF_SECRET.encode(), token)

    def as_cookie(self, token: str) -> dict[str, str]:
        """What a browser on our own pages sends with a state-changing request."""
        return {"Cookie": f"revgen_session={token}", "Origin": self.url, "X-CSRF-Token": self.csrf(token)}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def running_system(infra, migrated_database, clock, **gateway_overrides):
    urls = {name: await migrated_database(name, upgrade) for name, upgrade in [
        ("identity", identity_migrations), ("billing", billing_migrations), ("messaging", messaging_migrations),
        ("escalation", escalation_migrations), ("ingress", ingress_migrations), ("voice", voice_migrations),
        ("reputation", reputation_migrations)]}
    engines = {name: create_async_engine(url, pool_size=5) for name, url in urls.items()}
    ports = {name: free_port() for name in ("identity", "billing", "messaging", "escalation", "gateway", "twilio",
                                            "openai", "stripe", "ingress", "voice", "elevenlabs", "reputation",
                                            "google")}
    public = f"http://127.0.0.1:{ports['gateway']}"
    ingress_url = f"http://127.0.0.1:{ports['ingress']}"
    bootstrap = infra.bootstrap_servers
    # Services deployed now: what earlier tests left on the shared topics is not theirs.
    await start_groups_at_end(bootstrap, CONSUMER_GROUPS)
    twilio = twilio_fake.TwilioState(clock=clock)
    google = google_fake.GoogleState()
    google_url = f"http://127.0.0.1:{ports['google']}"
    stripe = stripe_fake.StripeState(clock=lambda: int(clock().timestamp()))
    common = {"kafka_bootstrap_servers": bootstrap}
    apps = {
        "twilio": twilio_fake.faulty_app(twilio),
        "openai": openai_fake.faulty_app(openai_fake.OpenAIState(api_keys={OPENAI_KEY})),
        "stripe": stripe_fake.faulty_app(stripe),
        "identity": identity_app(IdentitySettings(
            **common, identity_database_url=urls["identity"], otp_pepper=PEPPER, identity_api_token=TEST_API_TOKEN,
            port=ports["identity"], trusted_proxies=["127.0.0.1"]), clock),
        "billing": billing_app(BillingSettings(
            **common, billing_database_url=urls["billing"], stripe_api_key=STRIPE_KEY, billing_api_token=TEST_API_TOKEN,
            stripe_api_base=f"http://127.0.0.1:{ports['stripe']}", port=ports["billing"]), clock),
        "messaging": messaging_app(MessagingSettings(
            **common, messaging_database_url=urls["messaging"], messaging_api_token=TEST_API_TOKEN,
            twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
            twilio_api_base=f"http://127.0.0.1:{ports['twilio']}",
            status_callback_url=f"{ingress_url}/webhooks/twilio/status",
            platform_number=PLATFORM_NUMBER, openai_api_key=OPENAI_KEY,
            openai_base_url=f"http://127.0.0.1:{ports['openai']}/v1", port=ports["messaging"],
            resend_api_key="re_test", email_from="RevGen <login@revgen.example>",
            resend_api_base="http://127.0.0.1:9"), clock),
        "escalation": escalation_app(EscalationSettings(
            **common, escalation_database_url=urls["escalation"], escalation_api_token=TEST_API_TOKEN,
            claim_base_url=public, port=ports["escalation"]), clock),
        "ingress": ingress_app(IngressSettings(
            **common, ingress_database_url=urls["ingress"], public_base_url=ingress_url, port=ports["ingress"],
            stripe_webhook_secret=STRIPE_WEBHOOK_SECRET, twilio_auth_token=twilio.auth_token,
            form_webhook_secret="form-secret-for-gateway-tests-7c2e",
            resend_webhook_secret="whsec_Z2F0ZXdheS10ZXN0cy1yZXNlbmQtc2VjcmV0"), clock),
        "elevenlabs": elevenlabs_fake.create_app(elevenlabs_fake.ElevenLabsState(api_keys={ELEVENLABS_KEY})),
        "voice": voice_app(VoiceSettings(
            **common, voice_database_url=urls["voice"], voice_api_token=TEST_API_TOKEN, port=ports["voice"],
            public_base_url=f"http://127.0.0.1:{ports['voice']}", twilio_auth_token=twilio.auth_token,
            twilio_account_sid=twilio.account_sid, twilio_api_base=f"http://127.0.0.1:{ports['twilio']}",
            elevenlabs_api_key=ELEVENLABS_KEY, elevenlabs_base_url=f"http://127.0.0.1:{ports['elevenlabs']}",
            openai_api_key=OPENAI_KEY, openai_base_url=f"http://127.0.0.1:{ports['openai']}/v1"), clock),
        "google": google_fake.faulty_app(google),
        "reputation": reputation_app(ReputationSettings(
            **common, reputation_database_url=urls["reputation"], reputation_api_token=TEST_API_TOKEN,
            reputation_token_key="gateway-tests-reputation-token-key-0123456789", port=ports["reputation"],
            google_client_id=google.client_id, google_client_secret=google.client_secret,
            google_redirect_uri=f"{public}/oauth/google/callback", google_auth_uri=f"{google_url}/o/oauth2/v2/auth",
            google_token_uri=f"{google_url}/token", google_reviews_base_url=f"{google_url}/v4",
            facebook_graph_base_url="http://127.0.0.1:9", openai_api_key=OPENAI_KEY,
            openai_base_url=f"http://127.0.0.1:{ports['openai']}/v1",
            poll_tick_seconds=3600), clock),  # tests make the polling rounds themselves
    }
    gateway_settings = GatewaySettings(
        **common, gateway_public_url=public, csrf_secret=CSRF_SECRET, port=ports["gateway"],
        **{f"{s}_url": f"http://127.0.0.1:{ports[s]}" for s in SERVICES},
        **{f"{s}_api_token": TEST_API_TOKEN for s in SERVICES},
        **{**GENEROUS, **gateway_overrides})
    front = gateway_app(gateway_settings, clock)
    async with contextlib.AsyncExitStack() as stack:
        served = {name: await stack.enter_async_context(serve_app(app, ports[name])) for name, app in apps.items()}
        api = await stack.enter_async_context(serve_app(front, ports["gateway"]))
        system = System(public, api, front, front.state.gateway, engines, ports, clock, twilio, stripe,
                        served["ingress"], google, apps["reputation"])
        stripe.subscribe(system.stripe_events.append)
        await eventually(_ready(api), timeout=60, interval=0.1)  # identity.events followed: the cache is on
        try:
            yield system
        finally:
            await twilio.aclose()
            for engine in engines.values():
                await engine.dispose()


def _ready(api):
    async def ready() -> bool:
        return (await api.get("/readyz")).status_code == 200
    return ready


# -- people and their sessions -------------------------------------------------------------

async def code_sent_to(system: System, identifier: str, known: int = 0) -> str:
    """The newest login code identity handed to messaging for `identifier` (its outbox)."""
    async def codes():
        async with system.engines["identity"].connect() as db:
            rows = await db.execute(text("SELECT value FROM outbox WHERE topic = 'messaging.commands' ORDER BY id"))
            bodies = [json.loads(r.value)["payload"] for r in rows]
        found = [re.search(r"\b(\d{6})\b", p["body"]).group(1) for p in bodies if p["to"] == identifier]
        return found if len(found) > known else None
    return (await eventually(codes, timeout=10, interval=0.05))[-1]


async def log_in(system: System, identifier: str) -> str:
    """A fresh session token for `identifier`, through the gateway's JSON API."""
    async with system.engines["identity"].connect() as db:
        known = await db.scalar(text("SELECT count(*) FROM otp_codes WHERE identifier = :i"), {"i": identifier})
    attempt = await system.api.post("/api/v1/auth/otp", json={"identifier": identifier})
    assert attempt.status_code == 202, attempt.text
    code = await code_sent_to(system, identifier, known)
    verified = await system.api.post("/api/v1/auth/otp/verify", json={
        "identifier": identifier, "login_attempt_id": attempt.json()["login_attempt_id"], "code": code})
    assert verified.status_code == 200, verified.text
    return verified.json()["token"]


# -- a world of tenants ----------------------------------------------------------------------

@dataclass
class World:
    agency_x: str
    agency_y: str
    a: dict  # client Alpha Plumbing (agency X): its owner, admin and member
    b: dict  # client Bravo Roofing (agency X): one member
    c: dict  # client Charlie Remodel (agency Y)
    phones: dict[str, str]  # who -> phone
    person_ids: dict[str, str]  # who -> person id
    secrets: tuple[str, ...]  # what must never show to anyone outside client A


PEOPLE = ("x_owner", "x_staff", "a_owner", "a_admin", "a_member", "b_member", "y_owner", "operator")
_worlds = itertools.count()


async def make_world(system: System) -> World:
    """Agency X (owner, staff) with clients A (owner, admin, member) and B (a member), agency Y
    (owner) with client C, and an operator: new people each time, so tests sharing one
    running system never share anyone."""
    block = next(_worlds) * len(PEOPLE)
    phones = {who: f"+1415555{block + i:04d}" for i, who in enumerate(PEOPLE)}
    tenants = Tenants(system.engines["identity"], system.clock)
    x, x_owner = await tenants.create_agency("Agency X", phones["x_owner"], "Xavier Owner")
    y, y_owner = await tenants.create_agency("Agency Y", phones["y_owner"], "Yuri Owner")
    x_staff = (await AgencyTeam(system.engines["identity"], system.clock).add_member(
        x_owner, x, phones["x_staff"], "Stella Staff", "agency_staff"))["person_id"]
    a = await tenants.create_client(x_owner, x, "Alpha Plumbing")
    b = await tenants.create_client(x_owner, x, "Bravo Roofing")
    c = await tenants.create_client(y_owner, y, "Charlie Remodel")
    ids = {"x_owner": str(x_owner), "y_owner": str(y_owner), "x_staff": str(x_staff)}
    for who, name, role, client in [("a_owner", "Olive Owner", "client_owner", a),
                                    ("a_admin", "Adam Admin", "client_admin", a),
                                    ("a_member", "Mia Member", "client_member", a),
                                    ("b_member", "Ben Bravo", "client_member", b)]:
        member = await tenants.add_member(x_owner, uuid.UUID(client["id"]), phones[who], name, role)
        ids[who] = member["person_id"]
    ids["operator"] = str(await tenants.grant_platform_role(phones["operator"], "Opal Operator", "operator"))
    secrets = ("Alpha Plumbing", "Olive Owner", "Adam Admin", "Mia Member", phones["a_owner"], phones["a_admin"],
               phones["a_member"])
    return World(str(x), str(y), a, b, c, phones, ids, secrets)


# -- leads texting a client --------------------------------------------------------------

_numbers = itertools.count()
_NUMBERS_BASE = uuid.uuid4().int % 10_000  # another run's numbers, on the shared topics, are not ours


def new_number() -> str:
    """A phone number no other test of this run uses (a client's, or a lead's)."""
    return f"+1628{200 + next(_numbers) % 800}{_NUMBERS_BASE:04d}"  # a NANP exchange starts with 2-9


async def with_profile(system, world) -> str:
    """Client A answers texts on a number of its own: the number."""
    number = new_number()
    owner = bearer(await log_in(system, world.phones["a_owner"]))
    saved = await system.api.put(f"/api/v1/clients/{world.a['id']}/profile", headers=owner, json={
        "business_name": "Alpha Plumbing", "numbers": [number], "quiet_start": "00:00", "quiet_end": "00:00"})
    assert saved.status_code == 200, saved.text
    return number


async def text_in(system, number: str, lead: str, body: str) -> None:
    """An SMS from `lead` to `number`, as Twilio posts it to ingress (signed)."""
    url = f"http://127.0.0.1:{system.ports['ingress']}/webhooks/twilio/sms"
    params, headers = inbound_sms_request(url, lead, number, body, auth_token=system.twilio.auth_token,
                                          account_sid=system.twilio.account_sid)
    answer = await system.ingress.post("/webhooks/twilio/sms", data=params, headers=headers)
    assert answer.status_code == 200, answer.text


async def texts_settled(system: System, timeout: float = 60) -> None:
    """Wait until every SendMessage the services queued has gone out through the Twilio fake
    (the login codes go at one a second from the platform number) and its delivery is settled
    (the fake's status callbacks come back through ingress)."""
    async def settled() -> bool:
        commands = 0
        for service in ("identity", "billing", "escalation"):
            async with system.engines[service].connect() as db:
                commands += await db.scalar(text("SELECT count(*) FROM outbox WHERE topic = 'messaging.commands'"))
        async with system.engines["messaging"].connect() as db:
            made, waiting = (await db.execute(text(
                "SELECT count(*), count(*) FILTER (WHERE status IN ('pending', 'claimed', 'queued', 'sending', 'sent')) "
                "FROM sends"))).one()
        return made >= commands and waiting == 0
    await eventually(settled, timeout=timeout, interval=0.2)
