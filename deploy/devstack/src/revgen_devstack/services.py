"""The services `revgen-devstack up` runs, in start order. Each service adds itself here
when it is built: its migration step and its entrypoint."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Service:
    name: str  # also its database's name
    command: list[str]
    migrate_command: list[str] = field(default_factory=list)
    # Secrets it needs; for a local run they are generated once and kept in .revgen/local.env.
    local_secrets: tuple[str, ...] = ()
    # Settings of this process alone on a local run (its port, say); the environment wins.
    local_env: dict[str, str] = field(default_factory=dict)
    has_database: bool = True

    @property
    def database_url_variable(self) -> str:
        return f"{self.name.upper()}_DATABASE_URL"


SERVICES: list[Service] = [
    Service(
        name="ingress",
        command=[sys.executable, "-m", "ingress.main"],
        migrate_command=[sys.executable, "-m", "ingress.migrate"],
        # RESEND_WEBHOOK_SECRET: hex is base64 too, so svix takes the generated one as it is.
        local_secrets=("STRIPE_WEBHOOK_SECRET", "TWILIO_AUTH_TOKEN", "FORM_WEBHOOK_SECRET", "RESEND_WEBHOOK_SECRET"),
        local_env={"PUBLIC_BASE_URL": "http://127.0.0.1:8080", "PORT": "8080"},
    ),
    Service(
        name="identity",
        command=[sys.executable, "-m", "identity.main"],
        migrate_command=[sys.executable, "-m", "identity.migrate"],
        local_secrets=("OTP_PEPPER", "IDENTITY_API_TOKEN"),
        # The gateway forwards the browser's address; only it can call (IDENTITY_API_TOKEN).
        local_env={"PORT": "8081", "TRUSTED_PROXIES": '["127.0.0.1"]'},
    ),
    Service(
        name="escalation",
        command=[sys.executable, "-m", "escalation.main"],
        migrate_command=[sys.executable, "-m", "escalation.migrate"],
        local_secrets=("ESCALATION_API_TOKEN",),
        # Claim links are the gateway's to serve: escalation's own API is internal now.
        local_env={"PORT": "8082", "CLAIM_BASE_URL": "http://127.0.0.1:8085"},
    ),
    Service(
        name="messaging",
        command=[sys.executable, "-m", "messaging.main"],
        migrate_command=[sys.executable, "-m", "messaging.migrate"],
        local_secrets=("MESSAGING_API_TOKEN",),
        local_env={"PORT": "8084", "STATUS_CALLBACK_URL": "http://127.0.0.1:8080/webhooks/twilio/status",
                   "PLATFORM_NUMBER": "+15005550006", "SENDER_IN_OWN_PROCESS": "true",
                   "EMAIL_FROM": "RevGen <login@revgen.localhost>"},
    ),
    # Messaging's sender group (every call to Twilio) in a process of its own, on messaging's
    # database (ADR 0017); its port serves health and metrics only.
    Service(
        name="messaging-sender",
        command=[sys.executable, "-m", "messaging.sender_main"],
        local_secrets=("MESSAGING_API_TOKEN",),
        local_env={"PORT": "8087", "STATUS_CALLBACK_URL": "http://127.0.0.1:8080/webhooks/twilio/status",
                   "PLATFORM_NUMBER": "+15005550006",
                   # the same settings as messaging's (it sends no e-mail)
                   "EMAIL_FROM": "RevGen <login@revgen.localhost>"},
        has_database=False,
    ),
    Service(
        name="billing",
        command=[sys.executable, "-m", "billing.main"],
        migrate_command=[sys.executable, "-m", "billing.migrate"],
        local_secrets=("BILLING_API_TOKEN",),
        local_env={"PORT": "8083"},
    ),
    # Calls to the clients' numbers: Twilio's Voice URL is PUBLIC_BASE_URL/twilio/voice/incoming.
    Service(
        name="voice",
        command=[sys.executable, "-m", "voice.main"],
        migrate_command=[sys.executable, "-m", "voice.migrate"],
        local_secrets=("VOICE_API_TOKEN", "TWILIO_AUTH_TOKEN"),
        local_env={"PORT": "8086", "PUBLIC_BASE_URL": "http://127.0.0.1:8086"},
    ),
    # Review sources (ADR 0019): Google's OAuth consent comes back to GOOGLE_REDIRECT_URI.
    Service(
        name="reputation",
        command=[sys.executable, "-m", "reputation.main"],
        migrate_command=[sys.executable, "-m", "reputation.migrate"],
        local_secrets=("REPUTATION_API_TOKEN", "REPUTATION_TOKEN_KEY"),
        local_env={"PORT": "8088", "GOOGLE_REDIRECT_URI": "http://127.0.0.1:8088/oauth/google/callback"},
    ),
    # Consumer lag measured from outside the groups (revgen_ops.exporter), on :8089/metrics.
    Service(
        name="lag-exporter",
        command=[sys.executable, "-m", "revgen_ops.exporter"],
        local_env={"PORT": "8089"},
        has_database=False,
    ),
    # The front door: the admin UI and /api/v1 (no database of its own).
    Service(
        name="gateway",
        command=[sys.executable, "-m", "gateway.main"],
        local_secrets=("CSRF_SECRET",),
        local_env={"PORT": "8085", "GATEWAY_PUBLIC_URL": "http://127.0.0.1:8085",
                   "IDENTITY_URL": "http://127.0.0.1:8081", "ESCALATION_URL": "http://127.0.0.1:8082",
                   "BILLING_URL": "http://127.0.0.1:8083", "MESSAGING_URL": "http://127.0.0.1:8084",
                   "VOICE_URL": "http://127.0.0.1:8086"},
        has_database=False,
    ),
]


@dataclass(frozen=True)
class LocalFake:
    """A provider fake `up` runs when that provider is not configured, so a local run needs
    no account and no internet. Setting `real_if_set` (a real key) skips it."""
    name: str
    command: list[str]
    real_if_set: str
    env: dict[str, str]  # how the services reach the fake


FAKES: list[LocalFake] = [
    LocalFake(
        name="stripe",
        command=[sys.executable, "-m", "revgen_fakes.stripe", "--port", "12111"],
        real_if_set="STRIPE_API_KEY",
        env={"STRIPE_API_BASE": "http://127.0.0.1:12111", "STRIPE_API_KEY": "sk_test_revgen_local_fake"},
    ),
    # Its auth token is the local TWILIO_AUTH_TOKEN, so ingress verifies what it signs.
    LocalFake(
        name="twilio",
        command=[sys.executable, "-m", "revgen_fakes.twilio", "--port", "12112"],
        real_if_set="TWILIO_ACCOUNT_SID",
        env={"TWILIO_API_BASE": "http://127.0.0.1:12112", "TWILIO_ACCOUNT_SID": "AC" + "0" * 32},
    ),
    LocalFake(
        name="openai",
        command=[sys.executable, "-m", "revgen_fakes.openai", "--port", "12113"],
        real_if_set="OPENAI_API_KEY",
        env={"OPENAI_BASE_URL": "http://127.0.0.1:12113/v1", "OPENAI_API_KEY": "sk-revgen-local-fake"},
    ),
    LocalFake(
        name="elevenlabs",
        command=[sys.executable, "-m", "revgen_fakes.elevenlabs", "--port", "12114"],
        real_if_set="ELEVENLABS_API_KEY",
        env={"ELEVENLABS_BASE_URL": "http://127.0.0.1:12114", "ELEVENLABS_API_KEY": "el-revgen-local-fake"},
    ),
    # What it sent (login codes): GET http://127.0.0.1:12115/_fake/emails
    LocalFake(
        name="resend",
        command=[sys.executable, "-m", "revgen_fakes.resend", "--port", "12115"],
        real_if_set="RESEND_API_KEY",
        env={"RESEND_API_BASE": "http://127.0.0.1:12115", "RESEND_API_KEY": "re_revgen_local_fake"},
    ),
    # Google's OAuth and Business Profile reviews; consent says yes at once. Reviews appear
    # with POST http://127.0.0.1:12116/_fake/reviews.
    LocalFake(
        name="google",
        command=[sys.executable, "-m", "revgen_fakes.google", "--port", "12116"],
        real_if_set="GOOGLE_CLIENT_ID",
        env={"GOOGLE_CLIENT_ID": "revgen-local.apps.googleusercontent.com", "GOOGLE_CLIENT_SECRET": "revgen-local-fake",
             "GOOGLE_AUTH_URI": "http://127.0.0.1:12116/o/oauth2/v2/auth",
             "GOOGLE_TOKEN_URI": "http://127.0.0.1:12116/token",
             "GOOGLE_REVIEWS_BASE_URL": "http://127.0.0.1:12116/v4"},
    ),
    # Facebook page ratings; a page and its token appear with POST http://127.0.0.1:12117/_fake/ratings.
    LocalFake(
        name="facebook",
        command=[sys.executable, "-m", "revgen_fakes.facebook", "--port", "12117"],
        real_if_set="FACEBOOK_GRAPH_BASE_URL",
        env={"FACEBOOK_GRAPH_BASE_URL": "http://127.0.0.1:12117/v19.0"},
    ),
]
