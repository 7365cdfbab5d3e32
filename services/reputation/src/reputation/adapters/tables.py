"""The reputation database's tables as its migrations create them (ADR 0020): the review sources
connected per client, the OAuth consents in flight, the reviews seen and the replies drafted.
The inbox and outbox are in revgen_common.db.runtime_metadata.
"""
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()


connections = Table(
    "connections", metadata,
    Column("client_id", Text, primary_key=True),
    Column("source", Text, primary_key=True),
    Column("connection_id", UUID, nullable=False),
    Column("external_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("access_token", LargeBinary),
    Column("refresh_token", LargeBinary),
    Column("expires_at", DateTime(timezone=True)),
    Column("next_poll_at", DateTime(timezone=True), nullable=False),
    Column("last_polled_at", DateTime(timezone=True)),
    Column("lost_reason", Text),
    Column("lost_announced_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("connection_id", name="connections_connection_id_key"),
    CheckConstraint('length(external_id) >= 1 AND length(external_id) <= 300', name="connections_external_id_check"),
    CheckConstraint("source = ANY (ARRAY['google'::text, 'facebook'::text])", name="connections_source_check"),
    CheckConstraint("status = ANY (ARRAY['connected'::text, 'needs_reauthorisation'::text])",
                    name="connections_status_check"),
)
Index("connections_due", connections.c.next_poll_at, postgresql_where=text("(status = 'connected'::text)"))

oauth_states = Table(
    "oauth_states", metadata,
    Column("state", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("location", Text, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

reply_drafts = Table(
    "reply_drafts", metadata,
    Column("draft_id", UUID, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("review_id", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("decided_by", Text),
    Column("decided_at", DateTime(timezone=True)),
    Column("posted_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("source", "review_id", name="reply_drafts_source_review_id_key"),
    ForeignKeyConstraint(["source", "review_id"], ["reviews.source", "reviews.review_id"],
                         name="reply_drafts_source_review_id_fkey"),
    CheckConstraint('length(body) >= 1 AND length(body) <= 4000', name="reply_drafts_body_check"),
    CheckConstraint("status = ANY (ARRAY['drafted'::text, 'approved'::text, 'rejected'::text, 'posted'::text])",
                    name="reply_drafts_status_check"),
)
Index("drafts_by_client", reply_drafts.c.client_id, reply_drafts.c.status, reply_drafts.c.created_at)

reviews = Table(
    "reviews", metadata,
    Column("source", Text, primary_key=True),
    Column("review_id", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("ref", Text, nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("author", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    CheckConstraint('rating >= 1 AND rating <= 5', name="reviews_rating_check"),
)
Index("reviews_by_client", reviews.c.client_id, reviews.c.reviewed_at)
