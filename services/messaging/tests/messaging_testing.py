"""Helpers for messaging tests (on the test path)."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import text

from messaging import SERVICE
from messaging.service_layer.clients import Profile
from revgen_common import Delivered, Staged
from revgen_common.envelope import Envelope
from revgen_common.errors import NotYet
from revgen_common.handler_context import HandlerContext, in_handler
from revgen_common.testing.clock import DEFAULT_START
from revgen_common.unit_of_work import UnitOfWork

OPENAI_KEY = "sk-test"
PLATFORM_NUMBER = "+15005550006"
RESEND_KEY = "re_test"
EMAIL_FROM = "RevGen <login@revgen.example>"


@dataclass
class Fake:
    state: Any
    faults: Any
    url: str


def service_settings(infra, engine, twilio: Fake, openai: Fake, **overrides):
    """Settings of the whole service (API, consumers, relay) against the test's broker,
    database and fakes."""
    from messaging.settings import MessagingSettings
    from revgen_common.testing.internal_api import TEST_API_TOKEN
    from revgen_devstack import free_port

    return MessagingSettings(
        kafka_bootstrap_servers=infra.bootstrap_servers, port=free_port(), messaging_api_token=TEST_API_TOKEN,
        messaging_database_url=engine.url.render_as_string(hide_password=False),
        twilio_account_sid=twilio.state.account_sid, twilio_auth_token=twilio.state.auth_token,
        twilio_api_base=twilio.url, status_callback_url="https://ingress.revgen.example/webhooks/twilio/status",
        platform_number=PLATFORM_NUMBER, openai_api_key=OPENAI_KEY, openai_base_url=openai.url,
        **{"resend_api_key": RESEND_KEY, "email_from": EMAIL_FROM, "resend_api_base": "http://127.0.0.1:9", **overrides})


def unique_number(prefix: str = "+1212555") -> str:
    return f"{prefix}{uuid.uuid4().int % 10_000:04d}"


async def client(messaging, *, numbers: int = 1, **profile) -> tuple[str, list[str]]:
    """A client with its own numbers; no quiet hours unless a test asks for them, so a test
    does not depend on the time of day it runs at."""
    client_id = f"client-{uuid.uuid4().hex[:8]}"
    owned = [f"+1415555{uuid.uuid4().int % 10_000:04d}" for _ in range(numbers)]
    await messaging.clients.set_profile(client_id, Profile(**{
        "business_name": "Ace Plumbing", "timezone": "America/New_York",
        "business_hours": {0: [("08:00", "18:00")]}, "numbers": owned, "quiet_start": time(0, 0),
        "quiet_end": time(0, 0), **profile}))
    return client_id, owned


def twilio_event(type: str, raw: dict, at: datetime = DEFAULT_START) -> Envelope:
    """What ingress publishes for a verified Twilio webhook received `at` (a fresh envelope
    id each time, as if ingress's dedup had been bypassed: the handlers must absorb it
    themselves)."""
    return Envelope(type=type, producer="ingress", key=f"{raw.get('To')}|{raw.get('From')}", occurred_at=at,
                    payload={"provider_id": raw.get("MessageSid") or raw.get("CallSid"),
                             "received_at": at.isoformat(), "raw": raw})


def inbound_sms(to: str, from_: str, body: str, sid: str | None = None, at: datetime = DEFAULT_START) -> Envelope:
    return twilio_event("TwilioMessageReceived", {"MessageSid": sid or f"SM{uuid.uuid4().hex}", "To": to,
                                                  "From": from_, "Body": body}, at)


async def apply(engine, handler, message: Envelope, clock=None) -> None:
    """Apply one event the way the consumer does: its payload validated into its contract
    (`Delivered`), a Staged handler's prepare first (given a test clock, a NotYet moves it on
    by the wait and prepares again), then the handler, with a HandlerContext, + outbox in one
    transaction. No inbox: a redelivery runs it again."""
    delivered = Delivered.of(message)
    if isinstance(handler, Staged):
        prepared = await _prepare(handler, delivered, clock)
        if handler.apply is None:
            return
        stage = handler
        handler = lambda event, uow: stage.apply(event, uow, prepared)  # noqa: E731
    async with UnitOfWork(engine, SERVICE) as uow:
        with in_handler():  # a handler that commits or opens its own unit of work fails here too
            await handler(delivered, HandlerContext(uow))
        await uow.commit()


async def _prepare(stage: Staged, delivered: Delivered, clock):
    while True:
        try:
            return await stage.prepare(delivered)
        except NotYet as wait:
            if clock is None:
                raise
            clock.advance(seconds=wait.retry_after)


async def outbox(engine, topic: str, type: str | None = None) -> list[dict]:
    async with engine.connect() as db:
        rows = await db.execute(text("SELECT value FROM outbox WHERE topic = :t ORDER BY id"), {"t": topic})
        messages = [json.loads(r.value) for r in rows]
    return [m for m in messages if type is None or m["type"] == type]


@dataclass
class Ticks:
    """A monotonic clock a test moves (the pacers' kind of clock)."""
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class QueuePlayer:
    """Plays a consumer over one of messaging's own queues (its outbox rows), in order, once each."""

    def __init__(self, messaging, topic: str, type: str, run):
        self.messaging = messaging
        self.topic, self.type, self.run = topic, type, run
        self.done = 0

    async def drain(self) -> int:
        requests = await outbox(self.messaging.engine, self.topic, self.type)
        pending, self.done = requests[self.done:], len(requests)
        for request in pending:
            await self.run(Delivered.of(Envelope.model_validate(request)))
        return len(pending)


class SendQueue(QueuePlayer):
    """The sender over `messaging.sends`."""

    def __init__(self, messaging):
        super().__init__(messaging, "messaging.sends", "SendRequested", messaging.sender.send)


class EmailQueue(QueuePlayer):
    """The e-mail sender over `messaging.emails`."""

    def __init__(self, messaging):
        super().__init__(messaging, "messaging.emails", "EmailRequested", messaging.emails.send)


async def scalar(engine, sql: str, **params):
    async with engine.connect() as db:
        return await db.scalar(text(sql), params)
