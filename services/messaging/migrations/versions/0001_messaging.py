"""Messaging profiles and numbers, leads, opt-outs, messages, sends with their delivery
state, scheduled messages, usage per (client, month), daily summaries,
inbox/outbox.

Revision ID: 0001
Revises:
"""
from alembic import op

from revgen_common.db import runtime_metadata
from revgen_common.migrations import UPDATED_AT_FUNCTION, updated_at_trigger

revision = "0001"
down_revision = None

# pending → claimed (committed before Twilio is called) → queued → sending → sent →
# delivered | undelivered | failed; or deferred (quiet hours), blocked (compliance), canceled.
SEND_STATES = ("'pending', 'deferred', 'claimed', 'queued', 'sending', 'sent', 'delivered', 'undelivered', "
               "'failed', 'blocked', 'canceled'")

SCHEMA = [
    UPDATED_AT_FUNCTION,
    """CREATE TABLE profiles (
        client_id text PRIMARY KEY,
        timezone text NOT NULL DEFAULT 'America/New_York',
        business_hours jsonb NOT NULL DEFAULT '{}',
        quiet_start time NOT NULL DEFAULT '21:00', quiet_end time NOT NULL DEFAULT '08:00',
        persona text NOT NULL DEFAULT '', knowledge text NOT NULL DEFAULT '',
        monthly_limit integer NOT NULL DEFAULT 2000 CHECK (monthly_limit >= 0),
        business_name text NOT NULL DEFAULT '', owner_phone text, deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE numbers (
        number text PRIMARY KEY,
        client_id text NOT NULL REFERENCES profiles ON DELETE RESTRICT,
        released_at timestamptz, release_pending boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE leads (
        id uuid PRIMARY KEY,
        client_id text NOT NULL REFERENCES profiles ON DELETE RESTRICT,
        phone text NOT NULL, name text, source text NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
        job_value_cents integer, do_not_contact boolean NOT NULL DEFAULT false,
        client_number text, last_inbound_at timestamptz, answered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (client_id, phone))""",
    # Carrier opt-outs: per client (its numbers), or 'platform' for RevGen's own number.
    """CREATE TABLE opt_outs (
        scope text NOT NULL, phone text NOT NULL, opted_out_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, phone))""",
    """CREATE TABLE messages (
        id bigserial PRIMARY KEY,
        client_id text NOT NULL, lead_id uuid NOT NULL REFERENCES leads ON DELETE CASCADE,
        direction text NOT NULL CHECK (direction IN ('in', 'out')), body text NOT NULL,
        message_sid text UNIQUE, client_number text,
        created_at timestamptz NOT NULL DEFAULT now())""",
    "CREATE INDEX messages_by_lead ON messages (lead_id, id)",
    "CREATE INDEX recent_messages_by_number ON messages (client_number, created_at)",
    # The per-client, per-day figures (messages in and out, new leads, leads answered, first
    # reply time) are counted from these rows when asked for: append-only facts have no hot
    # counter row for concurrent batches to queue and deadlock on.
    "CREATE INDEX messages_by_client_time ON messages (client_id, created_at)",
    "CREATE INDEX leads_by_client_created ON leads (client_id, created_at)",
    "CREATE INDEX leads_by_client_answered ON leads (client_id, answered_at) WHERE answered_at IS NOT NULL",
    # One row per thing to send, unique by what caused it, so every path is idempotent.
    f"""CREATE TABLE sends (
        id uuid PRIMARY KEY, source_key text NOT NULL UNIQUE,
        client_id text, lead_id uuid REFERENCES leads ON DELETE SET NULL,
        to_number text NOT NULL, from_number text NOT NULL, body text NOT NULL, purpose text NOT NULL,
        status text NOT NULL CHECK (status IN ({SEND_STATES})),
        not_before timestamptz, claimed_at timestamptz, twilio_sid text UNIQUE,
        error_code integer, blocked_reason text, usage_month text,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    "CREATE INDEX deferred_sends ON sends (not_before) WHERE status = 'deferred'",
    # Delivery only moves forward (E8): a late "sent" never overwrites "delivered".
    """CREATE FUNCTION delivery_rank(status text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE status WHEN 'pending' THEN 0 WHEN 'deferred' THEN 0 WHEN 'claimed' THEN 1
                           WHEN 'queued' THEN 2 WHEN 'sending' THEN 3 WHEN 'sent' THEN 4
                           WHEN 'delivered' THEN 5 WHEN 'undelivered' THEN 5 WHEN 'failed' THEN 5
                           ELSE 6 END $$""",
    # The furthest status Twilio reported per message, even one that arrives before we
    # recorded the message's sid.
    """CREATE TABLE delivery_statuses (
        twilio_sid text PRIMARY KEY, status text NOT NULL, error_code integer,
        updated_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE scheduled_messages (
        id uuid PRIMARY KEY, source_key text NOT NULL UNIQUE,
        client_id text NOT NULL, lead_id uuid NOT NULL REFERENCES leads ON DELETE CASCADE,
        body text NOT NULL, purpose text NOT NULL, due_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'canceled')),
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    "CREATE INDEX due_messages ON scheduled_messages (due_at) WHERE status = 'pending'",
    # A new month is a new key: there is no reset job to forget (D9).
    """CREATE TABLE usage (
        client_id text NOT NULL, month text NOT NULL, sent integer NOT NULL DEFAULT 0 CHECK (sent >= 0),
        PRIMARY KEY (client_id, month))""",
    # E14: one summary per (client, day), however often or however far the job runs.
    """CREATE TABLE daily_summaries (
        client_id text NOT NULL, day date NOT NULL, sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, day))""",
    *[updated_at_trigger(t) for t in ("profiles", "numbers", "leads", "sends", "scheduled_messages")],
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
    runtime_metadata.create_all(op.get_bind())
