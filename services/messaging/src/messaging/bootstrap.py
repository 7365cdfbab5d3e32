"""The composition root: the API, the event consumer, the sender (a consumer of its own
send and number-release queues), the outbox relay, the scheduler and the hourly summary
job, over one database."""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from fastapi import FastAPI
from prometheus_client import make_asgi_app
from sqlalchemy.ext.asyncio import AsyncEngine

from messaging.adapters.ai_responder import AIResponder
from messaging.adapters.twilio_sender import TwilioSender
from messaging.domain.fair_share import FairShare
from messaging.domain.pacing import Pacer
from messaging.entrypoints import leads
from messaging.entrypoints.http import install_error_handlers, router
from messaging.service_layer import delivery
from messaging.service_layer.lead_views import LeadViews
from messaging.service_layer.automations import Automations
from messaging.service_layer.clients import Clients
from messaging.service_layer.commands import Commands
from messaging.service_layer.conversations import Conversations
from messaging.service_layer.number_releases import NumberReleases
from messaging.service_layer.scheduler import Scheduler
from messaging.service_layer.sends import Sender
from messaging.service_layer.summaries import Summaries
from messaging.settings import MessagingSettings
from revgen_common import ExactlyOnceConsumer, OutboxRelay, Staged
from revgen_common.clock import Clock, system_clock
from revgen_common.consumer import ConsumerOptions
from revgen_common.db import create_engine
from revgen_common.internal_api import InternalCredential
from revgen_common.periodic import every
from revgen_common.topics import MESSAGING_GROUP, MESSAGING_SENDER_GROUP

# Records per poll, across partitions (aiokafka cannot cap one partition's share). A
# partition's batch waits on the assistant or Twilio once — its calls run together — so a
# small poll only splits the work into more batches, each paying its own transaction and
# offset commit: at 20 per poll over 32 send partitions a batch was one send, ~110 sends/s.
INBOUND_POLL_RECORDS = 64
# Consumer groups and their topics (declared in revgen_common.topics): two, so a Twilio outage
# pauses only what calls Twilio (sends and number releases). A third group for the rare
# releases cost ~0.1 s of reply p50 at 50 SMS/s (bench/messaging_leads), so the sender's
# group takes them too.
GROUPS = {group.name: list(group.topics) for group in (MESSAGING_GROUP, MESSAGING_SENDER_GROUP)}
SENDS_POLL_RECORDS = 500


@dataclass(frozen=True)
class Messaging:
    engine: AsyncEngine
    conversations: Conversations
    commands: Commands
    sender: Sender
    clients: Clients
    scheduler: Scheduler
    automations: Automations
    summaries: Summaries
    number_releases: NumberReleases
    lead_views: LeadViews
    clock: Clock

    def handlers(self) -> dict:
        """The main consumer's routes by event type."""
        return {
            "TwilioMessageReceived": Staged(prepare=self.conversations.draft_reply,
                                            apply=self.conversations.message_received),
            "TwilioCallStatusReceived": self.conversations.call_status,
            "TwilioMessageStatusReceived": delivery.status_received,
            "FormSubmitted": self.conversations.form_submitted,
            "SendMessage": self.commands.send_message,
            "ClientCreated": self.clients.client_created,
            "ClientDeleted": self.clients.client_deleted,
        }

    def twilio_handlers(self) -> dict:
        """The sender group's routes: everything that calls Twilio."""
        return {"SendRequested": Staged(prepare=self.sender.send),
                "ReleaseNumber": Staged(prepare=self.number_releases.release)}


def build(engine: AsyncEngine, twilio: TwilioSender, ai: AIResponder, platform_number: str,
          clock: Clock = system_clock) -> Messaging:
    return Messaging(engine=engine, conversations=Conversations(engine, ai, platform_number, clock),
                     commands=Commands(platform_number), sender=Sender(engine, twilio, clock),
                     clients=Clients(engine, clock), scheduler=Scheduler(engine, clock),
                     automations=Automations(engine, clock), summaries=Summaries(engine, platform_number, clock),
                     number_releases=NumberReleases(twilio), lead_views=LeadViews(engine), clock=clock)


def consumers(messaging: Messaging, settings: MessagingSettings) -> list[ExactlyOnceConsumer]:
    """Two groups, so a Twilio outage pauses only what calls Twilio: inbound messages keep
    being recorded and answered (their sends wait in `messaging.sends`)."""
    return [
        ExactlyOnceConsumer(name="messaging", topics=GROUPS["messaging"],
                            handlers=messaging.handlers(), engine=messaging.engine,
                            bootstrap_servers=settings.kafka_bootstrap_servers,
                            # A batch's replies are published when it commits; its messages wait
                            # on the assistant together, before the transaction (Staged).
                            options=ConsumerOptions(max_batch=INBOUND_POLL_RECORDS,
                                                    max_partitions_in_flight=settings.inbound_concurrency,
                                                    max_concurrent_preparations=settings.openai_concurrency)),
        ExactlyOnceConsumer(name="messaging-sender", topics=GROUPS["messaging-sender"], handlers=messaging.twilio_handlers(),
                            engine=messaging.engine, bootstrap_servers=settings.kafka_bootstrap_servers,
                            # Every partition at once; the sends of a batch go to Twilio together.
                            options=ConsumerOptions(max_batch=SENDS_POLL_RECORDS,
                                                    max_partitions_in_flight=sum(
                                                        t.partitions for t in GROUPS["messaging-sender"]),
                                                    max_concurrent_preparations=settings.send_concurrency)),
    ]


def create_app(settings: MessagingSettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        # No connection is held while the assistant or Twilio answers: a batch, a draft, a
        # claim or a record each hold one briefly. No pre-ping: it was 8 % of the CPU, and
        # every use is a consumer's, retried after a stale connection's first failure.
        engine = create_engine(settings.messaging_database_url, pre_ping=False,
                               pool_size=settings.inbound_concurrency + settings.send_concurrency + 8)
        twilio = TwilioSender(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                              str(settings.twilio_api_base), str(settings.status_callback_url),
                              Pacer(settings.sends_per_number_per_second, settings.sends_per_account_per_second))
        ai = AIResponder(settings.openai_api_key.get_secret_value(), str(settings.openai_base_url),
                         FairShare(settings.openai_concurrency), model=settings.openai_model)
        messaging = build(engine, twilio, ai, settings.platform_number, clock)
        app.state.messaging = messaging
        stop = asyncio.Event()
        relay = OutboxRelay(name="messaging", engine=engine, bootstrap_servers=settings.kafka_bootstrap_servers)
        jobs = [c.run(stop) for c in consumers(messaging, settings)]
        jobs += [relay.run(stop), every(settings.scheduler_interval_seconds, messaging.scheduler.run_once, stop),
                 every(3600, messaging.clients.release_quiet_numbers, stop),
                 every(3600, messaging.summaries.run_due, stop)]
        tasks = [asyncio.create_task(job) for job in jobs]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await twilio.close()
            await ai.close()
            await engine.dispose()

    app = FastAPI(title="RevGen messaging", lifespan=lifespan)
    app.include_router(router)
    app.include_router(leads.router)
    install_error_handlers(app)
    app.add_middleware(InternalCredential, token=settings.messaging_api_token.get_secret_value())
    app.mount("/metrics", make_asgi_app())
    return app
