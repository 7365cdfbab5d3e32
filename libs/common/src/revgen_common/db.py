"""Database plumbing shared by every service: engines and the inbox/outbox tables.

Each service owns its database; these two tables live in every one of them and are
created by that service's migrations from `runtime_metadata`.
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

OUTBOX_CHANNEL = "revgen_outbox"


# Services put these in their migrations next to their own tables (Alembic target_metadata).
runtime_metadata = MetaData()

inbox = Table(
    "inbox", runtime_metadata,
    # One row per (consumer, event) that was applied: a redelivery finds it and does nothing.
    Column("consumer", String(200), primary_key=True),
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("outcome", String(20), nullable=False, server_default="applied"),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
outbox = Table(
    "outbox", runtime_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    # The event id is fixed when the row is written, so a republish carries the same id.
    Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("topic", String(249), nullable=False),
    Column("key", Text, nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    # A row Kafka refuses for good (too large, invalid topic) is parked here for an operator
    # instead of blocking every row behind it.
    Column("parked_at", DateTime(timezone=True)),
    Column("park_reason", Text),
)
Index("outbox_unpublished", outbox.c.id,
      postgresql_where=outbox.c.published_at.is_(None) & outbox.c.parked_at.is_(None))
Index("inbox_processed_at", inbox.c.processed_at)


def create_engine(url: str, *, pool_size: int = 10, connect_args: dict[str, Any] | None = None,
                  pre_ping: bool = True) -> AsyncEngine:
    """`pre_ping=False` saves a round trip per checkout on a hot path. Safe where every use
    is retried: after a database restart the first use of a stale connection fails as a
    disconnect (a transient error), and SQLAlchemy then replaces every older connection."""
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=pre_ping,
                               connect_args=connect_args or {})


@contextlib.asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads outside any transaction. Under READ COMMITTED each statement
    sees its own snapshot either way, so this reads the same as a transaction would, without
    its BEGIN and ROLLBACK: two round trips fewer on a hot path's read."""
    async with engine.connect() as connection:
        yield await connection.execution_options(isolation_level="AUTOCOMMIT")
