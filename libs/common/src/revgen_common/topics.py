"""Every Kafka topic of the system, and the consumer groups that read them, declared once;
topics are created idempotently at start-up.

Automatic topic creation is off on our brokers, so a topic that is not declared here
does not exist. Keys keep order per entity (see each topic's `key`).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_fixed

log = logging.getLogger(__name__)

DAY_MS = 24 * 60 * 60 * 1000
# A provider payload may be 1 MiB; the envelope and headers need room on top of it.
MAX_MESSAGE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    partitions: int = 6
    retention_ms: int = 7 * DAY_MS
    cleanup_policy: str = "delete"
    max_message_bytes: int = MAX_MESSAGE_BYTES

    def as_new_topic(self, replication_factor: int) -> NewTopic:
        return NewTopic(
            name=self.name,
            num_partitions=self.partitions,
            replication_factor=replication_factor,
            topic_configs={
                "retention.ms": str(self.retention_ms),
                "cleanup.policy": self.cleanup_policy,
                "max.message.bytes": str(self.max_message_bytes),
                "min.insync.replicas": str(min(2, replication_factor)),
            },
        )


STRIPE_WEBHOOKS = TopicSpec("webhooks.stripe", key="customer id, else the object's own id")
# 64 partitions: each inbound SMS waits on the assistant (~0.3-2 s) in its partition, so
# conversations are spread wide to answer many at once (order is kept per conversation).
TWILIO_MESSAGES = TopicSpec("webhooks.twilio.messages", key="client number + lead number", partitions=64)
TWILIO_CALLS = TopicSpec("webhooks.twilio.calls", key="client number + lead number")
TWILIO_MESSAGE_STATUS = TopicSpec("webhooks.twilio.message-status", key="client number + lead number")
FORM_SUBMISSIONS = TopicSpec("webhooks.forms", key="client id")
# Resend's delivery, bounce and complaint events: one recipient's stay in order.
RESEND_WEBHOOKS = TopicSpec("webhooks.resend", key="recipient address, else the e-mail's id")
IDENTITY_EVENTS = TopicSpec("identity.events",
                            key="client id (an agency team's events: the agency id; a session's or platform "
                                "role's: the person id)",
                            retention_ms=30 * DAY_MS)
BILLING_EVENTS = TopicSpec("billing.events", key="client id", retention_ms=30 * DAY_MS)
MESSAGING_EVENTS = TopicSpec("messaging.events", key="client id + lead", retention_ms=30 * DAY_MS)
ESCALATION_EVENTS = TopicSpec("escalation.events", key="client id", retention_ms=30 * DAY_MS)
VOICE_EVENTS = TopicSpec("voice.events", key="client id + caller", retention_ms=30 * DAY_MS)
# Reputation's reviews and connections, and its own commands (polls, replies to post), in
# order per client: a client's polls and posts go one at a time, paced per client (ADR 0019).
REPUTATION_EVENTS = TopicSpec("reputation.events", key="client id", retention_ms=30 * DAY_MS)
MESSAGING_COMMANDS = TopicSpec("messaging.commands", key="client id + recipient")
# Messaging's own queue of sends: a Twilio outage leaves the backlog here, visible as lag.
MESSAGING_SENDS = TopicSpec("messaging.sends", key="recipient number", partitions=32)
# Messaging's own queue of numbers to release at Twilio: rare, and apart from the events so
# their consumer does not read (and record) every other event to find them.
MESSAGING_NUMBER_RELEASES = TopicSpec("messaging.number-releases", key="phone number", partitions=3)
# Messaging's own queue of e-mails (ADR 0018): apart from the SMS sends, so a Resend outage or
# its 2 requests/s never hold up a text, nor Twilio an e-mail.
MESSAGING_EMAILS = TopicSpec("messaging.emails", key="recipient address", partitions=6)
# Dead letters wait for an operator: kept long, keyed by the consumer that gave up.
DEAD_LETTERS = TopicSpec("revgen.dead-letters", key="consumer name", partitions=3, retention_ms=30 * DAY_MS)
# What operators did to the system (offset resets, re-drives, parked rows retried or dropped):
# kept for good. No consumer reads it, so it has no bearing on how long inboxes are kept.
OPERATIONS_AUDIT = TopicSpec("revgen.operations-audit", key="consumer group or service", partitions=1,
                             retention_ms=-1)

ALL_TOPICS: tuple[TopicSpec, ...] = (
    STRIPE_WEBHOOKS,
    TWILIO_MESSAGES,
    TWILIO_CALLS,
    TWILIO_MESSAGE_STATUS,
    FORM_SUBMISSIONS,
    RESEND_WEBHOOKS,
    IDENTITY_EVENTS,
    BILLING_EVENTS,
    MESSAGING_EVENTS,
    ESCALATION_EVENTS,
    VOICE_EVENTS,
    REPUTATION_EVENTS,
    MESSAGING_COMMANDS,
    MESSAGING_SENDS,
    MESSAGING_NUMBER_RELEASES,
    MESSAGING_EMAILS,
    DEAD_LETTERS,
    OPERATIONS_AUDIT,
)


@dataclass(frozen=True)
class ConsumerGroup:
    """A consumer group the services run, known here so operators' tools see it even when
    it is down or has never started (the brokers know only groups that committed), and
    the AsyncAPI document says who reads what. `handles` is checked against the service's
    handler table by its tests."""
    name: str
    service: str  # whose database holds its inbox
    topics: tuple[TopicSpec, ...]
    handles: tuple[str, ...]  # the message types its handlers apply; the rest are recorded, not applied


BILLING_GROUP = ConsumerGroup("billing", "billing", (STRIPE_WEBHOOKS, IDENTITY_EVENTS, MESSAGING_EVENTS),
                              ("StripeEventReceived", "ClientCreated", "ClientDeleted", "LeadOutcomeRecorded"))
ESCALATION_GROUP = ConsumerGroup("escalation", "escalation", (MESSAGING_EVENTS, IDENTITY_EVENTS, VOICE_EVENTS),
                                 ("EscalationRequested", "MemberAdded", "MemberRoleChanged", "MemberDeactivated",
                                  "BusinessHoursSet", "ClientDeleted", "LeadOptedOut", "LeadOptedIn", "CallAnswered",
                                  "LeadDoNotContactChanged"))
# Voice's read model for answering calls without asking anyone: numbers, hours, the team,
# and the names its whispers say (the client's; a lead's, known from an escalation).
VOICE_GROUP = ConsumerGroup("voice", "voice", (MESSAGING_EVENTS, IDENTITY_EVENTS),
                            ("BusinessHoursSet", "NumberReleased", "MemberAdded", "MemberRoleChanged",
                             "MemberDeactivated", "ClientDeleted", "ClientCreated", "ClientUpdated",
                             "EscalationRequested"))
MESSAGING_GROUP = ConsumerGroup("messaging", "messaging", (TWILIO_MESSAGES, TWILIO_CALLS, TWILIO_MESSAGE_STATUS,
                                                           FORM_SUBMISSIONS, MESSAGING_COMMANDS, IDENTITY_EVENTS,
                                                           BILLING_EVENTS, VOICE_EVENTS, RESEND_WEBHOOKS),
                                ("TwilioMessageReceived", "TwilioCallStatusReceived", "TwilioMessageStatusReceived",
                                 "FormSubmitted", "SendMessage", "ClientCreated", "ClientDeleted",
                                 "CallEnded", "VoicemailRecorded",  # calls in the lead's conversation (voice)
                                 # service follows billing (ADR 0012)
                                 "SubscriptionActivated", "SubscriptionChanged", "SubscriptionPaused",
                                 "SubscriptionResumed", "SubscriptionCanceled", "PaymentSucceeded", "PaymentFailed",
                                 "PaymentActionRequired",
                                 "ResendEventReceived"))  # bounces and complaints suppress an address
# Apart from the inbound group, so a Twilio outage pauses only what calls Twilio.
MESSAGING_SENDER_GROUP = ConsumerGroup("messaging-sender", "messaging", (MESSAGING_SENDS, MESSAGING_NUMBER_RELEASES),
                                       ("SendRequested", "ReleaseNumber"))

# Identity alerts people (it knows who they are and how each wants to be told) and keeps the
# audit log, so the changes people make in other services reach it as events.
IDENTITY_GROUP = ConsumerGroup("identity", "identity", (BILLING_EVENTS, MESSAGING_EVENTS, DEAD_LETTERS,
                                                         REPUTATION_EVENTS),
                               ("DisputeOpened", "PaymentFailed", "PaymentActionRequired", "BillingDriftDetected",
                                "NumberReleaseRefused", "MessageDeadLettered", "LeadDoNotContactChanged",
                                "ReviewSourceDisconnected", "LowRatingReceived"))

# Reputation reads its own topic: polls to make, new reviews to draft replies to, replies to post.
REPUTATION_GROUP = ConsumerGroup("reputation", "reputation", (REPUTATION_EVENTS,),
                                 ("PollReviews", "ReviewReceived", "PostReply"))

# E-mail's own group (ADR 0018): Resend's pace and outages pause only e-mails.
MESSAGING_EMAIL_GROUP = ConsumerGroup("messaging-email", "messaging", (MESSAGING_EMAILS,), ("EmailRequested",))

CONSUMER_GROUPS: tuple[ConsumerGroup, ...] = (BILLING_GROUP, ESCALATION_GROUP, IDENTITY_GROUP, MESSAGING_GROUP,
                                              MESSAGING_SENDER_GROUP, MESSAGING_EMAIL_GROUP, VOICE_GROUP,
                                              REPUTATION_GROUP)


@dataclass(frozen=True)
class Follower:
    """A reader with no group: it starts from a topic's end, commits nothing and reacts to
    every message on it, whatever its type (the gateway's caches and open pages)."""
    name: str
    topics: tuple[TopicSpec, ...]
    reacts: str  # what it does with each message


FOLLOWERS: tuple[Follower, ...] = (
    Follower("gateway decision cache", (IDENTITY_EVENTS,), "forgets the cached decisions about its client and person"),
    Follower("gateway live pages", (MESSAGING_EVENTS, ESCALATION_EVENTS), "tells the pages open on its client"),
)


async def ensure_topics(bootstrap_servers: str, topics: tuple[TopicSpec, ...] = ALL_TOPICS,
                        replication_factor: int = 1, timeout: float = 60.0) -> list[str]:
    """Create whichever of `topics` are missing; existing ones are left as they are.

    Returns the names it created. Retries while the broker is still starting.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000)
    deadline = asyncio.get_running_loop().time() + timeout
    async for attempt in _until(deadline, pause=0.5, retry_on=Exception):
        with attempt:
            await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in topics if spec.name not in existing]
        created = []
        if missing:
            response = await admin.create_topics([spec.as_new_topic(replication_factor) for spec in missing])
            for name, code, *rest in response.topic_errors:
                error = for_code(code)
                if error is TopicAlreadyExistsError:  # a concurrent creator won: fine
                    continue
                if code != 0:
                    raise error(f"creating topic {name}: {rest[-1] if rest else ''}")
                created.append(name)
            log.info("created topics %s", created)
        await _leaders_elected(admin, [spec.name for spec in topics], deadline)
        return created
    finally:
        await admin.close()


class _Leaderless(TimeoutError):
    pass


def _until(deadline: float, pause: float, retry_on: type[BaseException]) -> AsyncRetrying:
    """A start-up wait for the broker: try every `pause` seconds while `retry_on` is raised,
    until `deadline` (event-loop time) has passed; then the last error is raised as it was.
    (Only for start-up: messages are retried by the consumer's backpressure, ADR 0006.)"""
    remaining = max(0.0, deadline - asyncio.get_running_loop().time())
    return AsyncRetrying(stop=stop_after_delay(remaining), wait=wait_fixed(pause),
                         retry=retry_if_exception_type(retry_on), reraise=True)


async def _leaders_elected(admin: AIOKafkaAdminClient, names: list[str], deadline: float) -> None:
    """Created is not ready: each partition takes a moment to get its leader (longer on a
    loaded broker), and a producer sending to it meanwhile gets NotLeaderForPartition until
    its own timeout — a webhook would be answered 503."""
    async for attempt in _until(deadline, pause=0.2, retry_on=_Leaderless):
        with attempt:
            described = await admin.describe_topics(names)
            leaderless = sorted({topic["topic"] for topic in described if topic["error_code"] or any(
                partition["error_code"] or partition["leader"] < 0 for partition in topic["partitions"])})
            if leaderless:
                raise _Leaderless(f"partitions of {leaderless} have no leader yet")


async def await_group_coordinator(bootstrap_servers: str, timeout: float = 60.0) -> None:
    """Wait until the broker can coordinate consumer groups: its offsets topic is created
    on the first group's request and loaded partition by partition, and until then every
    consumer's join is refused (GroupCoordinatorNotAvailable)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000)
    await admin.start()
    deadline = asyncio.get_running_loop().time() + timeout
    try:
        async for attempt in _until(deadline, pause=0.2, retry_on=KafkaError):
            with attempt:
                await admin.find_coordinator("revgen-readiness-probe")
        await _leaders_elected(admin, ["__consumer_offsets"], deadline)
    finally:
        await admin.close()
