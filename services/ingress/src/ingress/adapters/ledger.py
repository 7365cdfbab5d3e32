"""The dedup ledger in ingress's own database.

A claim is decided under a transaction-scoped advisory lock on (source, provider id), so
concurrent deliveries of one event are serialised, and it looks across every daily
partition, so a retry on another day is still recognised.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ingress.domain.webhooks import VerifiedWebhook

KEEP_DAYS = 7  # Stripe retries for 3 days; a week covers every provider's horizon


class Claim(enum.Enum):
    NEW = "new"  # ours to publish
    DUPLICATE = "duplicate"  # already on Kafka
    IN_FLIGHT = "in_flight"  # a publish whose outcome is not known yet
    UNRESOLVED = "unresolved"  # a publish whose outcome is unknown and will stay so: check the topic


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    received_on: datetime | None = None
    attempt_at: datetime | None = None
    partition: int | None = None  # where the first attempt was sent: where to look for it


_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:source || chr(31) || :provider_id, 0))")
_FIND = text("""
    SELECT state, received_on, attempt_at, kafka_partition, attempt_at < now() - make_interval(secs => CAST(:settle AS double precision)) AS settled
    FROM webhook_ledger
    WHERE source = :source AND provider_id = :provider_id AND received_on >= current_date - CAST(:keep_days AS integer)
    ORDER BY received_on DESC LIMIT 1""")
_INSERT = text("""
    INSERT INTO webhook_ledger (source, provider_id, received_on, event_id, kafka_topic, kafka_partition, state)
    VALUES (:source, :provider_id, current_date, :event_id, :topic, :partition, 'pending')
    RETURNING received_on, attempt_at""")
_RETRY = text("""
    UPDATE webhook_ledger SET attempt_at = now()
    WHERE source = :source AND provider_id = :provider_id AND received_on = :received_on
      AND state = 'pending' AND attempt_at = :attempt_at
    RETURNING received_on, attempt_at""")
_PUBLISHED = text("""
    UPDATE webhook_ledger SET state = 'published', published_at = now()
    WHERE source = :source AND provider_id = :provider_id AND received_on = :received_on""")


class Ledger:
    def __init__(self, engine: AsyncEngine, settle_seconds: float):
        self.engine = engine
        self.settle_seconds = settle_seconds

    async def claim(self, webhook: VerifiedWebhook, partition: int) -> ClaimResult:
        ids = {"source": webhook.source, "provider_id": webhook.provider_id}
        async with self.engine.begin() as connection:
            await connection.execute(_LOCK, ids)
            found = (await connection.execute(
                _FIND, {**ids, "settle": self.settle_seconds, "keep_days": KEEP_DAYS})).first()
            if found is None:
                row = (await connection.execute(_INSERT, {
                    **ids, "event_id": webhook.event_id, "topic": webhook.topic.name, "partition": partition,
                })).one()
                return ClaimResult(Claim.NEW, row.received_on, row.attempt_at, partition)
        if found.state == "published":
            return ClaimResult(Claim.DUPLICATE)
        claim = Claim.UNRESOLVED if found.settled else Claim.IN_FLIGHT
        return ClaimResult(claim, found.received_on, found.attempt_at, found.kafka_partition)

    async def retry(self, webhook: VerifiedWebhook, unresolved: ClaimResult) -> ClaimResult | None:
        """Take over an unresolved attempt that the topic shows never landed; None if
        another request took it over first."""
        async with self.engine.begin() as connection:
            row = (await connection.execute(_RETRY, {
                "source": webhook.source, "provider_id": webhook.provider_id,
                "received_on": unresolved.received_on, "attempt_at": unresolved.attempt_at,
            })).first()
        return ClaimResult(Claim.NEW, row.received_on, row.attempt_at, unresolved.partition) if row else None

    async def mark_published(self, webhook: VerifiedWebhook, claim: ClaimResult) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(_PUBLISHED, {
                "source": webhook.source, "provider_id": webhook.provider_id, "received_on": claim.received_on})

    async def maintain(self) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(text("SELECT maintain_webhook_ledger(:keep)"), {"keep": KEEP_DAYS})

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))


