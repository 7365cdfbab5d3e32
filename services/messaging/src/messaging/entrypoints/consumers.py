"""Messaging's three consumer groups (the topics of each declared in revgen_common.topics), each
an ExactlyOnceConsumer over its handler table (handlers.py), sized for what its handlers wait on."""
from __future__ import annotations

from typing import TYPE_CHECKING

from messaging import SERVICE
from messaging.handlers import email_handlers, inbound_handlers, sender_handlers
from messaging.settings import MessagingSettings
from revgen_common import ExactlyOnceConsumer
from revgen_common.consumer import ConsumerOptions
from revgen_common.process_slot import ProcessSlot
from revgen_common.topics import MESSAGING_EMAIL_GROUP, MESSAGING_GROUP, MESSAGING_SENDER_GROUP

if TYPE_CHECKING:
    from messaging.bootstrap import Messaging

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


def inbound_consumer(messaging: Messaging, settings: MessagingSettings, slot: ProcessSlot | None = None) -> ExactlyOnceConsumer:
    """Inbound messages, commands and other services' events. A static member named by the
    process slot: a restarted process takes its partitions back at once (without a slot, a
    dynamic member)."""
    return ExactlyOnceConsumer(name="messaging", topics=GROUPS["messaging"],
                               handlers=inbound_handlers(messaging), engine=messaging.engine, clock=messaging.clock,
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
                               handlers=sender_handlers(messaging), producer=SERVICE, clock=messaging.clock,
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


def email_consumer(messaging: Messaging, settings: MessagingSettings, slot: ProcessSlot | None = None) -> ExactlyOnceConsumer:
    """Its own group, so Resend's pace and outages hold up only e-mails (ADR 0018)."""
    return ExactlyOnceConsumer(name=MESSAGING_EMAIL_GROUP.name, topics=GROUPS[MESSAGING_EMAIL_GROUP.name],
                               handlers=email_handlers(messaging), producer=SERVICE, engine=messaging.engine,
                               clock=messaging.clock, bootstrap_servers=settings.kafka_bootstrap_servers,
                               group_instance_id=slot.instance_id(MESSAGING_EMAIL_GROUP.name) if slot else None,
                               options=ConsumerOptions(max_batch=EMAILS_POLL_RECORDS,
                                                       max_partitions_in_flight=MESSAGING_EMAIL_GROUP.topics[0].partitions,
                                                       max_concurrent_preparations=EMAILS_POLL_RECORDS))
