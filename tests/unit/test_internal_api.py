"""The services' own APIs answer only callers with their credential (revgen_common.internal_api):
a call without it is 401 before any route runs; health, readiness and metrics stay open; a
service without its credential refuses to start, naming it."""
import os
import subprocess
import sys

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from billing.bootstrap import create_app as billing_app
from billing.settings import BillingSettings
from escalation.bootstrap import create_app as escalation_app
from escalation.settings import EscalationSettings
from identity.bootstrap import create_app as identity_app
from identity.settings import IdentitySettings
from messaging.bootstrap import create_app as messaging_app
from messaging.settings import MessagingSettings
from revgen_common.internal_api import HEADER, InternalCredential
from revgen_common.settings import EXIT_BAD_SETTINGS
from voice.bootstrap import create_app as voice_app
from voice.settings import VoiceSettings

TOKEN = "a-real-looking-internal-token-42"
DB = "postgresql+asyncpg://u@127.0.0.1:9/x"
COMMON = {"kafka_bootstrap_servers": "127.0.0.1:9"}


def apps():
    """Each service's real app (its composition root), never started: the credential is
    checked before routing, so no database is needed to be refused."""
    return {
        "identity": (identity_app(IdentitySettings(**COMMON, identity_database_url=DB, otp_pepper="pepper-0123456789",
                                                   identity_api_token=TOKEN)), "GET", "/me"),
        "billing": (billing_app(BillingSettings(**COMMON, billing_database_url=DB, stripe_api_key="sk_test_abc123",
                                                billing_api_token=TOKEN)), "POST", "/plans"),
        "messaging": (messaging_app(MessagingSettings(
            **COMMON, messaging_database_url=DB, twilio_account_sid="AC123", twilio_auth_token="tok-0123456789",
            status_callback_url="https://x.example/s", platform_number="+15005550006", openai_api_key="sk-abc123",
            messaging_api_token=TOKEN, resend_api_key="re_abc123", email_from="RevGen <login@x.example>")),
            "PUT", "/clients/c1/profile"),
        "escalation": (escalation_app(EscalationSettings(**COMMON, escalation_database_url=DB,
                                                         claim_base_url="https://x.example", escalation_api_token=TOKEN)),
                       "POST", "/claim/some-token"),
        "voice": (voice_app(VoiceSettings(**COMMON, voice_database_url=DB, voice_api_token=TOKEN,
                                          twilio_auth_token="tok-0123456789", twilio_account_sid="AC123",
                                          elevenlabs_api_key="el-abc123", openai_api_key="sk-abc123",
                                          public_base_url="https://voice.example")),
                  "GET", "/clients/c1/calls/CA" + "0" * 32 + "/recording"),  # a voicemail: the gateway's only
    }


@pytest.mark.parametrize("service", ["identity", "billing", "messaging", "escalation", "voice"])
async def test_a_call_without_the_services_credential_is_401_and_health_stays_open(service):
    app, method, path = apps()[service]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        for headers in ({}, {HEADER: "wrong"}, {HEADER: TOKEN[:-1]}, {"Authorization": f"Bearer {TOKEN}"}):
            refused = await client.request(method, path, headers=headers, json={})
            assert refused.status_code == 401, (service, headers, refused.text)
            assert "X-Internal-Token" in refused.json()["error"]
        assert (await client.get("/healthz")).status_code == 200


async def test_the_credential_lets_a_call_through_to_its_route():
    async def hello(request):
        return PlainTextResponse("hello")
    app = InternalCredential(Starlette(routes=[Route("/x", hello), Route("/metrics/", hello)]), token=TOKEN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        assert (await client.get("/x", headers={HEADER: TOKEN})).text == "hello"
        assert (await client.get("/x")).status_code == 401
        assert (await client.get("/metrics/")).status_code == 200
        assert (await client.get("/metricsz")).status_code == 401  # open means the path, not a prefix of a word


@pytest.mark.parametrize("service", ["identity", "billing", "messaging", "escalation"])
def test_a_service_without_its_credential_refuses_to_start_naming_it(service):
    variable = f"{service.upper()}_API_TOKEN"
    env = {k: v for k, v in os.environ.items() if k != variable}
    env.update(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9", **{variable: "changeme"})
    result = subprocess.run([sys.executable, "-m", f"{service}.main"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == EXIT_BAD_SETTINGS
    assert f"{variable} is a placeholder" in result.stderr
