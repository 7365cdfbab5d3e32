"""Voice: the read model calls are answered from (numbers, hours, team, settings), the
greeting audio cache, calls, their statuses and recordings, inbox/outbox.

Revision ID: 0001
Revises:
"""
from alembic import op

from revgen_common.db import runtime_metadata
from revgen_common.migrations import UPDATED_AT_FUNCTION, updated_at_trigger

revision = "0001"
down_revision = None

SCHEMA = [
    UPDATED_AT_FUNCTION,
    # Read models: only the event handlers write them (messaging's and identity's events).
    "CREATE TABLE client_numbers (number text PRIMARY KEY, client_id text NOT NULL)",
    """CREATE TABLE business_hours (
        client_id text PRIMARY KEY, timezone text NOT NULL, hours jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE team_members (
        client_id text NOT NULL, person_id text NOT NULL, name text NOT NULL, phone text,
        role text NOT NULL, active boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, person_id))""",
    "CREATE TABLE deleted_clients (client_id text PRIMARY KEY, deleted_at timestamptz NOT NULL DEFAULT now())",
    # Voice's own settings (its API, through the gateway).
    """CREATE TABLE voice_settings (
        client_id text PRIMARY KEY,
        business_phone text,
        greeting text NOT NULL CHECK (length(greeting) BETWEEN 1 AND 1000),
        voice_id text NOT NULL CHECK (length(voice_id) BETWEEN 1 AND 100),
        mode text NOT NULL CHECK (mode IN ('voicemail', 'ai')),
        ai_stream_url text,
        ring_seconds integer NOT NULL CHECK (ring_seconds BETWEEN 5 AND 60),
        updated_at timestamptz NOT NULL DEFAULT now())""",
    # One synthesis per (voice, text): the audio Twilio <Play>s, served by this service.
    """CREATE TABLE greetings (
        id uuid PRIMARY KEY, voice_id text NOT NULL, text_hash bytea NOT NULL, content_type text NOT NULL,
        audio bytea NOT NULL, created_at timestamptz NOT NULL,
        UNIQUE (voice_id, text_hash))""",
    # One row per call (the incoming webhook's CallSid): repeats of the webhook find it.
    """CREATE TABLE calls (
        call_sid text PRIMARY KEY,
        client_id text NOT NULL, client_number text NOT NULL, lead_phone text NOT NULL,
        route text NOT NULL CHECK (route IN ('ring', 'greeting')),
        status text NOT NULL,
        answered_by text, answered_at timestamptz,
        ended_at timestamptz, duration_seconds integer,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())""",
    "CREATE INDEX calls_by_client ON calls (client_id, created_at)",
    # Each status callback once (Twilio retries them).
    """CREATE TABLE call_statuses (
        call_sid text NOT NULL REFERENCES calls (call_sid), status text NOT NULL, received_at timestamptz NOT NULL,
        PRIMARY KEY (call_sid, status))""",
    """CREATE TABLE recordings (
        recording_sid text PRIMARY KEY, call_sid text NOT NULL REFERENCES calls (call_sid),
        url text NOT NULL, duration_seconds integer NOT NULL, created_at timestamptz NOT NULL)""",
    *[updated_at_trigger(t) for t in ("business_hours", "team_members", "voice_settings", "calls")],
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
    runtime_metadata.create_all(op.get_bind())
