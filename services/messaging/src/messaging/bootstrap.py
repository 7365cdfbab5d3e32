"""The composition root: the API, the event consumer, the sender (a consumer of its own
send and number-release queues; in its own process when SENDER_IN_OWN_PROCESS, ADR 0017),
the e-mail sender (of its own queue, ADR 0018), the outbox relay, the scheduler and the hourly
summary job, over one database."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters.ai_responder import AIResponder
from messaging.adapters.resend_sender import ResendSender
from messaging.adapters.twilio_sender import TwilioSender
from messaging.domain.answer_deadline import AnswerDeadline
from messaging.domain.fair_share import FairShare
from messaging.domain.pacing import Pacer
from messaging.entrypoints import lead_commands, leads
from messaging.entrypoints.http import install_error_handlers, router
from messaging.service_layer import delivery
from messaging.service_layer.lead_commands import LeadCommands
from messaging.service_layer.lead_views import LeadViews
from messaging.service_layer.automations import Automations
from messaging.service_layer.call_log import CallLog
from messaging.service_layer.clients import Clients
from messaging.service_layer.commands import Commands
from messaging.service_layer.conversations import Conversations
from messaging.service_layer.email_events import resend_event
from messaging.service_layer.emails import EmailSender
from messaging.service_layer.number_releases import NumberReleases
from messaging.service_layer.scheduler import Scheduler
from messaging.service_layer.sender import Sender
from messaging.service_layer.service_states import FOLLOWED, ServiceStates
from messaging.service_layer.summaries import Summaries
from messaging.settings import DEFAULT_GRACE_DAYS, MessagingSettings
from revgen_common import ExactlyOnceConsumer, OwnTransactions, Staged
from revgen_common.clock import Clock, system_clock
from revgen_common.service import ServiceRuntime, running_service, service_app
from revgen_common.consumer import ConsumerOptions, Handlers
from revgen_common.contracts import identity, voice, webhooks
from revgen_common.contracts.commands import SendMessage
from revgen_common.contracts.messaging import EmailRequested, ReleaseNumber, SendRequested
from revgen_common.db import create_engine
from revgen_common.process_slot import ProcessSlot
from revgen_common.topics import MESSAGING_EMAIL_GROUP, MESSAGING_GROUP, MESSAGING_SENDER_GROUP

# Records per poll, across partitions (aiokafka cannot cap one partition's share). A
# partition's batch waits on the assistant or Twilio once — its calls run together — so a
# small poll only splits the work into more batches, each paying its own transaction and
# offset commit: at 20 per poll over 32 send partitions a batch was one send, ~110 sends/s.
INBOUND_POLL_RECORDS = 64
# Consumer groups and their topics (declared in revgen_common.topics): two, so a Twilio outage
# pauses only what calls Twilio (sends and number releases). A third group for the rare
# releases cost ~0.1 s of reply p50 at 50 SMS/s (bench/messaging_leads), so the sender's
# group takes them too.
MESSAGING_GROUPS = (MESSAGING_GROUP, MESSAGING_SENDER_GROUP, MESSAGING_EMAIL_GROUP)
GROUPS = {group.name: list(group.topics) for group in MESSAGING_GROUPS}
SENDS_POLL_RECORDS = 500
# Resend takes 2 requests/s unless raised: a small poll is plenty, and keeps a backlog's
# e-mails on Kafka (visible as lag) rather than in a batch waiting on its turns.
EMAILS_POLL_RECORDS = 20
# How often past-due clients whose grace ran out are looked for (their owners told): the
# rules read the grace themselves, so this only delays the notice.
OVERDUE_CHECK_SECONDS = 60


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
    lead_commands: LeadCommands
    service: ServiceStates
    clock: Clock
    emails: EmailSender | None = None  # None in tests that send no e-mail

    def handlers(self) -> Handlers:
        """The main consumer's routes by event type."""
        calls = CallLog(self.conversations)
        return {
            webhooks.TwilioMessageReceived: Staged(prepare=self.conversations.draft_reply,
                                                   apply=self.conversations.message_received),
            webhooks.TwilioCallStatusReceived: self.conversations.call_status,
            webhooks.TwilioMessageStatusReceived: delivery.status_received,
            webhooks.FormSubmitted: self.conversations.form_submitted,
            SendMessage: self.commands.send_message,
            identity.ClientCreated: self.clients.client_created,
            identity.ClientDeleted: self.clients.client_deleted,
            voice.CallEnded: calls.call_ended,
            voice.VoicemailRecorded: calls.voicemail_recorded,
            # Service follows billing (ADR 0012).
            **{event: self.service.billing_event for event in FOLLOWED},
            webhooks.ResendEventReceived: resend_event,  # bounces and complaints (ADR 0018)
        }

    def twilio_handlers(self) -> Handlers:
        """The sender group's routes: everything that calls Twilio."""
        return {SendRequested: OwnTransactions(self.sender.send),
                ReleaseNumber: OwnTransactions(self.number_releases.release)}

    def email_handlers(self) -> Handlers:
        """E-mail's own group (ADR 0018): everything that calls Resend."""
        if self.emails is None:
            raise RuntimeError("built without a Resend sender")
        return {EmailRequested: OwnTransactions(self.emails.send)}


def build(engine: AsyncEngine, twilio: TwilioSender, ai: AIResponder, platform_number: str,
          clock: Clock = system_clock, deadline: AnswerDeadline = AnswerDeadline(),
          grace: timedelta = timedelta(days=DEFAULT_GRACE_DAYS), resend: ResendSender | None = None) -> Messaging:
    service = ServiceStates(engine, clock, grace)
    return Messaging(engine=engine, conversations=Conversations(engine, ai, platform_number, clock, service, deadline),
                     commands=Commands(platform_number), sender=Sender(engine, twilio, clock, service),
                     clients=Clients(engine, clock), scheduler=Scheduler(engine, clock),
                     automations=Automations(engine, clock), summaries=Summaries(engine, platform_number, clock),
                     number_releases=NumberReleases(twilio, engine), lead_views=LeadViews(engine),
                     lead_commands=LeadCommands(engine, clock), service=service, clock=clock,
                     emails=EmailSender(engine, resend, clock, service) if resend else None)


def inbound_consumer(messaging: Messaging, settings: MessagingSettings, slot: ProcessSlot | None = None) -> ExactlyOnceConsumer:
    """Inbound messages, commands and other services' events. A static member named by the
    process slot: a restarted process takes its partitions back at once (without a slot, a
    dynamic member)."""
    return ExactlyOnceConsumer(name="messaging", topics=GROUPS["messaging"],
                               handlers=messaging.handlers(), engine=messaging.engine, clock=messaging.clock,
                               bootstrap_servers=settings.kafka_bootstrap_servers,
                               group_instance_id=slot.instance_id(MESSAGING_GROUP.name) if slot else None,
                               # A batch's replies are published when it commits; its messages wait
                               # on the assistant together, before the transaction (Staged). The fair
                               # share, not this bound, limits calls to OpenAI: capped at its capacity,
                               # prepares held by a hanging assistant kept every other message (and
                               # client) from even asking, a whole deadline per round.
                               options=ConsumerOptions(max_batch=INBOUND_POLL_RECORDS,
                                                       max_partitions_in_flight=settings.inbound_concurrency,
                                                       max_concurrent_preparations=settings.inbound_concurrency))


def sender_consumer(messaging: Messaging, settings: MessagingSettings, slot: ProcessSlot | None = None) -> ExactlyOnceConsumer:
    """Everything that calls Twilio, in a group of its own so a Twilio outage pauses only
    that (inbound messages keep being recorded and answered; their sends wait in
    `messaging.sends`)."""
    return ExactlyOnceConsumer(name="messaging-sender", topics=GROUPS["messaging-sender"],
                               handlers=messaging.twilio_handlers(), producer=SERVICE, clock=messaging.clock,
                               engine=messaging.engine, bootstrap_servers=settings.kafka_bootstrap_servers,
                               group_instance_id=slot.instance_id(MESSAGING_SENDER_GROUP.name) if slot else None,
                               # Every partition at once; the sends of a batch go to Twilio together.
                               options=ConsumerOptions(max_batch=SENDS_POLL_RECORDS,
                                                       max_partitions_in_flight=sum(
                                                           t.partitions for t in GROUPS["messaging-sender"]),
                                                       max_concurrent_preparations=settings.send_concurrency))


def consumers(messaging: Messaging, settings: MessagingSettings, slot: ProcessSlot | None = None,
              with_sender: bool = True) -> list[ExactlyOnceConsumer]:
    """The groups one process runs: inbound, e-mail (when it has an e-mail sender) and, unless
    the sender runs in a process of its own (SENDER_IN_OWN_PROCESS, ADR 0017), the sender."""
    return [inbound_consumer(messaging, settings, slot),
            *([email_consumer(messaging, settings, slot)] if messaging.emails else []),
            *([sender_consumer(messaging, settings, slot)] if with_sender else [])]


def _twilio(settings: MessagingSettings, runtime: ServiceRuntime) -> TwilioSender:
    twilio = TwilioSender(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                          str(settings.twilio_api_base), str(settings.status_callback_url),
                          Pacer(settings.sends_per_number_per_second, settings.sends_per_account_per_second))
    runtime.close_on_stop(twilio.close)
    return twilio


def email_consumer(messaging: Messaging, settings: MessagingSettings, slot: ProcessSlot | None = None) -> ExactlyOnceConsumer:
    """Its own group, so Resend's pace and outages hold up only e-mails (ADR 0018)."""
    return ExactlyOnceConsumer(name=MESSAGING_EMAIL_GROUP.name, topics=GROUPS[MESSAGING_EMAIL_GROUP.name],
                               handlers=messaging.email_handlers(), producer=SERVICE, engine=messaging.engine,
                               clock=messaging.clock, bootstrap_servers=settings.kafka_bootstrap_servers,
                               group_instance_id=slot.instance_id(MESSAGING_EMAIL_GROUP.name) if slot else None,
                               options=ConsumerOptions(max_batch=EMAILS_POLL_RECORDS,
                                                       max_partitions_in_flight=MESSAGING_EMAIL_GROUP.topics[0].partitions,
                                                       max_concurrent_preparations=EMAILS_POLL_RECORDS))


def create_app(settings: MessagingSettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        # No connection is held while the assistant or Twilio answers: a batch, a draft, a
        # claim or a record each hold one briefly. No pre-ping: it was 8 % of the CPU, and
        # every use is a consumer's, retried after a stale connection's first failure.
        engine = create_engine(settings.messaging_database_url, pre_ping=False,
                               pool_size=settings.inbound_concurrency + settings.send_concurrency + 8)
        async with running_service("messaging", engine, settings.kafka_bootstrap_servers) as runtime:
            app.state.engine = engine
            twilio = _twilio(settings, runtime)
            ai = AIResponder(settings.openai_api_key.get_secret_value(), str(settings.openai_base_url),
                             FairShare(settings.openai_concurrency), model=settings.openai_model)
            resend = ResendSender(settings.resend_api_key.get_secret_value(), str(settings.resend_api_base),
                                  settings.email_from,
                                  Pacer(settings.resend_requests_per_second, settings.resend_requests_per_second))
            runtime.close_on_stop(resend.close)
            runtime.close_on_stop(ai.close)
            deadline = AnswerDeadline(settings.answer_deadline_seconds, settings.openai_try_timeout_seconds,
                                      settings.answer_send_reserve_seconds)
            messaging = build(engine, twilio, ai, settings.platform_number, clock, deadline,
                              timedelta(days=settings.past_due_grace_days), resend)
            app.state.messaging = messaging
            runtime.start(*(consumer.run for consumer in consumers(
                messaging, settings, runtime.slot, with_sender=not settings.sender_in_own_process)))
            runtime.every(settings.scheduler_interval_seconds, messaging.scheduler.run_once)
            runtime.every(OVERDUE_CHECK_SECONDS, messaging.service.suspend_overdue)
            runtime.every(3600, messaging.clients.release_quiet_numbers)
            runtime.every(3600, messaging.summaries.run_due)
            yield

    return service_app("messaging", lifespan, [router, leads.router, lead_commands.router], install_error_handlers,
                       settings.messaging_api_token)


def create_sender_app(settings: MessagingSettings, clock: Clock = system_clock) -> FastAPI:
    """The sender group in a process of its own (`SENDER_IN_OWN_PROCESS`, ADR 0017): its
    own event loop and core, so the inbound side's work never delays a claimed reply. Its
    slots are numbered apart from messaging's (kind "sender"), so its static member ids stay
    its own across restarts of either. Its API: health and metrics only."""
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.messaging_database_url, pre_ping=False, pool_size=settings.send_concurrency + 4)
        async with running_service("messaging-sender", engine, settings.kafka_bootstrap_servers, kind="sender") as runtime:
            app.state.engine = engine
            # The sender asks no assistant.
            messaging = build(engine, _twilio(settings, runtime), None, settings.platform_number, clock,  # type: ignore[arg-type]
                              grace=timedelta(days=settings.past_due_grace_days))
            runtime.start(sender_consumer(messaging, settings, runtime.slot).run)
            yield

    return service_app("messaging-sender", lifespan, [], install_error_handlers, settings.messaging_api_token)
