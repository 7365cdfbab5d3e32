"""Reputation: review sources connected per client (tokens encrypted), OAuth consents in
flight, the reviews seen, the replies drafted for them, inbox/outbox.

Revision ID: 0001_reputation
Revises:
"""
from alembic import op

from revgen_common.db import runtime_metadata
from revgen_common.migrations import UPDATED_AT_FUNCTION, updated_at_trigger

revision = "0001_reputation"
down_revision = None

SCHEMA = [
    UPDATED_AT_FUNCTION,
    # A consent the client's owner was sent to: the callback's `state` must be one of these,
    # unexpired and unused (CSRF: a forged or replayed callback finds nothing).
    """CREATE TABLE oauth_states (
        state text PRIMARY KEY, client_id text NOT NULL, source text NOT NULL, location text NOT NULL,
        requested_by text NOT NULL, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL,
        used_at timestamptz)""",
    # One connection per (client, source). Tokens are Fernet-encrypted with REPUTATION_TOKEN_KEY.
    # A refused grant makes it `needs_reauthorisation`; `lost_announced_at` makes the event about it once.
    """CREATE TABLE connections (
        client_id text NOT NULL, source text NOT NULL CHECK (source IN ('google', 'facebook')),
        connection_id uuid NOT NULL UNIQUE,
        external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 300),
        status text NOT NULL CHECK (status IN ('connected', 'needs_reauthorisation')),
        access_token bytea, refresh_token bytea, expires_at timestamptz,
        next_poll_at timestamptz NOT NULL, last_polled_at timestamptz,
        lost_reason text, lost_announced_at timestamptz,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, source))""",
    "CREATE INDEX connections_due ON connections (next_poll_at) WHERE status = 'connected'",
    # Each review once: the poll's insert is the test of "new" (ON CONFLICT DO NOTHING).
    """CREATE TABLE reviews (
        source text NOT NULL, review_id text NOT NULL, client_id text NOT NULL,
        ref text NOT NULL, rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
        author text NOT NULL, body text NOT NULL, reviewed_at timestamptz NOT NULL, received_at timestamptz NOT NULL,
        PRIMARY KEY (source, review_id))""",
    "CREATE INDEX reviews_by_client ON reviews (client_id, reviewed_at)",
    # The AI's reply to a review waits for a person: drafted -> approved (maybe edited) -> posted, or rejected.
    """CREATE TABLE reply_drafts (
        draft_id uuid PRIMARY KEY, client_id text NOT NULL, source text NOT NULL, review_id text NOT NULL,
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
        status text NOT NULL CHECK (status IN ('drafted', 'approved', 'rejected', 'posted')),
        decided_by text, decided_at timestamptz, posted_at timestamptz,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (source, review_id), FOREIGN KEY (source, review_id) REFERENCES reviews (source, review_id))""",
    "CREATE INDEX drafts_by_client ON reply_drafts (client_id, status, created_at)",
    *[updated_at_trigger(t) for t in ("connections", "reply_drafts")],
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
    runtime_metadata.create_all(op.get_bind())
