"""Escalations, claim links, the team roster and business hours read models, inbox/outbox.

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
    # Read model of identity's events; only the event handlers write it (L1).
    """CREATE TABLE team_members (
        client_id text NOT NULL, person_id text NOT NULL, name text NOT NULL, phone text,
        role text NOT NULL, active boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, person_id))""",
    """CREATE TABLE business_hours (
        client_id text PRIMARY KEY, timezone text NOT NULL, hours jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE deleted_clients (client_id text PRIMARY KEY, deleted_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE escalations (
        id uuid PRIMARY KEY,
        request_id text NOT NULL UNIQUE,
        client_id text NOT NULL,
        lead_phone text NOT NULL, lead_name text, reason text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'claimed', 'resolved', 'expired')),
        claimed_by text, claimed_at timestamptz,
        step integer NOT NULL DEFAULT 0,
        next_step_at timestamptz NOT NULL,
        due_at timestamptz,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'claimed') = (claimed_by IS NOT NULL) OR status = 'resolved'))""",
    "CREATE INDEX escalations_due ON escalations (next_step_at) WHERE status = 'pending'",
    "CREATE INDEX escalations_by_owner ON escalations (client_id, claimed_by) WHERE status = 'claimed'",
    """CREATE TABLE claim_links (
        token_hash bytea PRIMARY KEY,
        escalation_id uuid NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
        person_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now())""",
    *[updated_at_trigger(t) for t in ("team_members", "business_hours", "escalations")],
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
    runtime_metadata.create_all(op.get_bind())
