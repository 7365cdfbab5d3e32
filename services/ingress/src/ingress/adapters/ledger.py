"""The dedup ledger in ingress's own database.

A claim is decided under a transaction-scoped advisory lock on (source, provider id), so
concurrent deliveries of one event are serialised, and it looks across every daily
partition, so a retry on another day is still recognised. All of that is one call of
`claim_webhook` (migration 0002), and claims that arrive together share one round trip
(claim_batches.py).

Plain asyncpg, not SQLAlchemy: every statement here is one prepared statement on the hot
path, run outside an explicit transaction (no BEGIN/COMMIT round trips), and no
connection is pinged on checkout or reset on return (two more round trips each).
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from sqlalchemy.engine import make_url

from ingress.adapters.broken_connections import replaced_when_broken
from ingress.adapters.claim_batches import ClaimBatches, ClaimRequest
from ingress.domain.webhooks import VerifiedWebhook

KEEP_DAYS = 7  # Stripe retries for 3 days; a week covers every provider's horizon

# What "the ledger is away" looks like: refused or dropped connections, a server shutting
# down (asyncpg may then lose a connection's protocol state), no partition for today. The
# gateway answers them with 503.
LEDGER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError)


class Claim(enum.Enum):
    NEW = "new"  # ours to publish
    DUPLICATE = "duplicate"  # already on Kafka
    IN_FLIGHT = "in_flight"  # a publish whose outcome is not known yet
    UNRESOLVED = "unresolved"  # a publish whose outcome is unknown and will stay so: check the topic


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    received_on: date | None
    attempt_at: datetime | None
    partition: int  # where the first attempt was sent: where to look for it (NOT NULL in the ledger)


@dataclass(frozen=True)
class Mark:
    """A ledger row to mark published."""
    source: str
    provider_id: str
    received_on: date


_RETRY = """
    UPDATE webhook_ledger SET attempt_at = now()
    WHERE source = $1 AND provider_id = $2 AND received_on = $3 AND state = 'pending' AND attempt_at = $4
    RETURNING received_on, attempt_at"""
_PUBLISHED = "SELECT mark_webhooks_published($1::text[], $2::text[], $3::date[])"
_MAINTAIN_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('maintain_webhook_ledger', 0))"


def asyncpg_dsn(database_url: str) -> str:
    """INGRESS_DATABASE_URL is an SQLAlchemy URL (Alembic reads it too); asyncpg wants libpq's."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Returned connections are not reset: nothing here changes session state, and asyncpg
    still rolls back a connection left inside a transaction."""


async def connect_pool(database_url: str, size: int) -> asyncpg.Pool:
    # min_size 0: connections open on first use, so ingress starts while the database is away.
    return await asyncpg.create_pool(asyncpg_dsn(database_url), min_size=0, max_size=size, timeout=2,
                                     command_timeout=5, reset=_keep_session)


class Ledger:
    def __init__(self, pool: asyncpg.Pool, settle_seconds: float):
        self.pool = pool
        self.settle_seconds = settle_seconds
        self._claims = ClaimBatches(pool, settle_seconds, KEEP_DAYS)

    async def claim(self, webhook: VerifiedWebhook, partition: int) -> ClaimResult:
        row = await self._claims.claim(ClaimRequest(webhook.source, webhook.provider_id, webhook.event_id,
                                                    webhook.topic.name, partition))
        return ClaimResult(Claim(row.claim), row.received_on, row.attempt_at, row.kafka_partition)

    async def retry(self, webhook: VerifiedWebhook, unresolved: ClaimResult) -> ClaimResult | None:
        """Take over an unresolved attempt that the topic shows never landed; None if
        another request took it over first."""
        async with replaced_when_broken(self.pool):
            row = await self.pool.fetchrow(_RETRY, webhook.source, webhook.provider_id, unresolved.received_on,
                                           unresolved.attempt_at)
        return ClaimResult(Claim.NEW, row["received_on"], row["attempt_at"], unresolved.partition) if row else None

    async def mark_published(self, marks: Sequence[Mark]) -> None:
        """One statement for the lot (migration 0003); sorted, so two batches lock shared rows in one order."""
        ordered = sorted(marks, key=lambda m: (m.source, m.provider_id, m.received_on))
        async with replaced_when_broken(self.pool):
            await self.pool.execute(_PUBLISHED, [m.source for m in ordered], [m.provider_id for m in ordered],
                                    [m.received_on for m in ordered])

    async def maintain(self) -> None:
        """Every worker process runs this hourly; the lock makes them take turns."""
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(_MAINTAIN_LOCK)
            await connection.execute("SELECT maintain_webhook_ledger($1)", KEEP_DAYS)

    async def ping(self) -> None:
        await self.pool.fetchval("SELECT 1")
