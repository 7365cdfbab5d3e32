"""The ingress database's tables as its migrations create them (ADR 0020): the webhook dedup
ledger.
"""
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()

# Partitioned by day (RANGE on received_on); the migration's maintain_webhook_ledger() keeps the
# partitions, which are not declared here (the Alembic env ignores them).

webhook_ledger = Table(
    "webhook_ledger", metadata,
    Column("source", Text, primary_key=True),
    Column("provider_id", Text, primary_key=True),
    Column("received_on", Date, primary_key=True),
    Column("event_id", UUID, nullable=False),
    Column("kafka_topic", Text, nullable=False),
    Column("kafka_partition", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("attempt_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("published_at", DateTime(timezone=True)),
    CheckConstraint("state = ANY (ARRAY['pending'::text, 'published'::text])", name="webhook_ledger_state_check"),
    postgresql_partition_by="RANGE (received_on)",
)
