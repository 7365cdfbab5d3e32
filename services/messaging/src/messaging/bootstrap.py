"""The composition root: the API, the event consumer, the sender (a consumer of its own
send and number-release queues; in its own process when SENDER_IN_OWN_PROCESS, ADR 0017),
the e-mail sender (of its own queue, ADR 0018), the outbox relay, the scheduler and the hourly
summary job, over one database. The consumers themselves: entrypoints/consumers.py; what
their handlers are: handlers.py."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from messaging.adapters.ai_responder import AIResponder
from messaging.adapters.resend_sender import ResendSender
from messaging.adapters.twilio_sender import TwilioSender
from messaging.domain.answer_deadline import AnswerDeadline
from messaging.domain.fair_share import FairShare
from messaging.domain.pacing import Pacer
from messaging.entrypoints import lead_commands, leads
from messaging.entrypoints.consumers import consumers, sender_consumer
from messaging.entrypoints.http import install_error_handlers, router
from messaging.service_layer.answer_drafts import AnswerDrafts
from messaging.service_layer.automations import Automations
from messaging.service_layer.call_log import CallLog
from messaging.service_layer.carrier_keywords import CarrierKeywords
from messaging.service_layer.clients import Clients
from messaging.service_layer.commands import Commands
from messaging.service_layer.conversations import Conversations
from messaging.service_layer.emails import EmailSender
from messaging.service_layer.lead_commands import LeadCommands
from messaging.service_layer.lead_intake import LeadIntake
from messaging.service_layer.lead_views import LeadViews
from messaging.service_layer.number_releases import NumberReleases
from messaging.service_layer.scheduler import Scheduler
from messaging.service_layer.sender import Sender
from messaging.service_layer.service_states import ServiceStates
from messaging.service_layer.speed_to_lead import SpeedToLead
from messaging.service_layer.summaries import Summaries
from messaging.settings import DEFAULT_GRACE_DAYS, MessagingSettings
from revgen_common.clock import Clock, system_clock
from revgen_common.db import create_engine
from revgen_common.service import ServiceRuntime, running_service, service_app

# How often past-due clients whose grace ran out are looked for (their owners told): the
# rules read the grace themselves, so this only delays the notice.
OVERDUE_CHECK_SECONDS = 60

@dataclass(frozen=True)
class Messaging:
    engine: AsyncEngine
    conversations: Conversations
    speed_to_lead: SpeedToLead
    calls: CallLog
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


def build(engine: AsyncEngine, twilio: TwilioSender, ai: AIResponder, platform_number: str,
          clock: Clock = system_clock, deadline: AnswerDeadline = AnswerDeadline(),
          grace: timedelta = timedelta(days=DEFAULT_GRACE_DAYS), resend: ResendSender | None = None) -> Messaging:
    service = ServiceStates(engine, clock, grace)
    intake = LeadIntake(clock)
    speed_to_lead = SpeedToLead(intake, service)
    conversations = Conversations(engine, AnswerDrafts(ai, clock, deadline), platform_number, clock, service, intake,
                                  CarrierKeywords(clock))
    return Messaging(engine=engine, conversations=conversations, speed_to_lead=speed_to_lead,
                     calls=CallLog(intake, speed_to_lead),
                     commands=Commands(platform_number), sender=Sender(engine, twilio, clock, service),
                     clients=Clients(engine, clock), scheduler=Scheduler(engine, clock),
                     automations=Automations(engine, clock), summaries=Summaries(engine, platform_number, clock),
                     number_releases=NumberReleases(twilio, engine, clock), lead_views=LeadViews(engine, clock),
                     lead_commands=LeadCommands(engine, clock), service=service, clock=clock,
                     emails=EmailSender(engine, resend, clock, service) if resend else None)


def _twilio(settings: MessagingSettings, runtime: ServiceRuntime) -> TwilioSender:
    twilio = TwilioSender(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                          str(settings.twilio_api_base), str(settings.status_callback_url),
                          Pacer(settings.sends_per_number_per_second, settings.sends_per_account_per_second))
    runtime.close_on_stop(twilio.close)
    return twilio


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
