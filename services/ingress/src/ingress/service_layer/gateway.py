"""Accepting a verified webhook: dedup it, put it on Kafka, and say so only once Kafka has it.

Answers within a bounded deadline. A duplicate is answered as accepted and not published
again; a publish whose outcome is not known yet blocks its duplicates until it is known
(they wait, or get 503 and come back); one whose outcome was lost for good is settled by
looking for its event id on the partition it was sent to. The answer waits for Kafka's
acknowledgement only: the ledger learns of it in the next batch of marks (marks.py).
"""
from __future__ import annotations

import asyncio
import enum
import logging
import time

from aiokafka.errors import KafkaError
from opentelemetry import trace

from ingress import metrics
from ingress.adapters.kafka_publisher import KafkaPublisher
from ingress.adapters.ledger import LEDGER_ERRORS, Claim, ClaimResult, Ledger, Mark
from ingress.domain.webhooks import VerifiedWebhook
from ingress.service_layer.marks import PublishedMarks
from revgen_common.clock import Clock
from revgen_common.tracing import tracer

log = logging.getLogger(__name__)

IN_FLIGHT_POLL_SECONDS = 0.02


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    UNAVAILABLE = "unavailable"


class Gateway:
    def __init__(self, ledger: Ledger, publisher: KafkaPublisher, marks: PublishedMarks, deadline_seconds: float,
                 clock: Clock):
        self.ledger = ledger
        self.marks = marks
        self.publisher = publisher
        self.deadline_seconds = deadline_seconds
        self.clock = clock
        self._settling: set[asyncio.Task] = set()

    async def accept(self, webhook: VerifiedWebhook) -> Outcome:
        try:
            async with asyncio.timeout(self.deadline_seconds):
                outcome = await self._accept(webhook)
        except (TimeoutError, OSError, KafkaError) + LEDGER_ERRORS as error:
            # Infrastructure away (a dropped connection, a restarting server, no partition
            # for today): the provider retries. Anything else is a bug and a 500.
            log.warning("webhook %s/%s not accepted: %r", webhook.source, webhook.provider_id, error)
            outcome = Outcome.UNAVAILABLE
        metrics.WEBHOOKS.labels(webhook.source, outcome.value).inc()
        return outcome

    async def _accept(self, webhook: VerifiedWebhook) -> Outcome:
        partition = self.publisher.partition_for(webhook.topic.name, webhook.key)
        claim = await self.ledger.claim(webhook, partition)
        while claim.claim is Claim.IN_FLIGHT:  # its first delivery is being published right now
            await asyncio.sleep(IN_FLIGHT_POLL_SECONDS)
            claim = await self.ledger.claim(webhook, partition)
        if claim.claim is Claim.DUPLICATE:
            return Outcome.DUPLICATE
        if claim.claim is Claim.UNRESOLVED:
            assert claim.attempt_at is not None
            # The attempt was handed to the producer within the response deadline of its
            # attempt time; the settle time bounds that generously.
            if await self.publisher.landed_since(webhook.topic.name, claim.partition, webhook.event_id,
                                                 claim.attempt_at.timestamp(), self.ledger.settle_seconds):
                await self.ledger.mark_published([self._mark(webhook, claim)])
                return Outcome.DUPLICATE
            retried = await self.ledger.retry(webhook, claim)
            if retried is None:
                return Outcome.UNAVAILABLE  # a concurrent request took the retry over
            claim = retried
        await asyncio.shield(self._publish(webhook, claim.partition, claim))
        return Outcome.ACCEPTED

    def _publish(self, webhook: VerifiedWebhook, partition: int, claim: ClaimResult) -> asyncio.Task:
        """The publish runs to the end even when the caller's deadline passes, so a late
        acknowledgement still marks the ledger."""
        task = asyncio.create_task(self._publish_and_mark(webhook, partition, claim))
        self._settling.add(task)
        task.add_done_callback(self._settled)
        return task

    def _settled(self, task: asyncio.Task) -> None:
        self._settling.discard(task)
        if not task.cancelled() and task.exception() is not None:  # the ledger row stays pending
            log.warning("publish outcome unknown, left pending: %r", task.exception())

    async def _publish_and_mark(self, webhook: VerifiedWebhook, partition: int, claim: ClaimResult) -> None:
        started = time.perf_counter()
        # The root of the webhook's trace: its context rides in the message's headers.
        with tracer.start_as_current_span(f"ingress {webhook.source}", kind=trace.SpanKind.PRODUCER, attributes={
                "messaging.destination.name": webhook.topic.name, "messaging.message.id": str(webhook.event_id),
                "revgen.provider_id": webhook.provider_id}):
            delivery = await self.publisher.send(webhook.topic.name, partition, webhook.envelope(self.clock()))
        await delivery
        metrics.PUBLISH_SECONDS.observe(time.perf_counter() - started)
        self.marks.add(self._mark(webhook, claim))

    @staticmethod
    def _mark(webhook: VerifiedWebhook, claim: ClaimResult) -> Mark:
        assert claim.received_on is not None
        return Mark(webhook.source, webhook.provider_id, claim.received_on)

    async def drain(self) -> None:
        """At shutdown: let publishes in flight finish, then write their marks."""
        if self._settling:
            await asyncio.wait(self._settling, timeout=10)
        await self.marks.stop()
