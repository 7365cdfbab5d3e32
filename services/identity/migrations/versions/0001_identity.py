"""Agencies, clients, people, memberships, OTP codes, sessions, audit log, inbox/outbox.

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
    """CREATE TABLE agencies (
        id uuid PRIMARY KEY, name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE clients (
        id uuid PRIMARY KEY,
        agency_id uuid NOT NULL REFERENCES agencies (id) ON DELETE RESTRICT,
        name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'deleted')),
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CHECK ((status = 'deleted') = (deleted_at IS NOT NULL)))""",
    """CREATE TABLE people (
        id uuid PRIMARY KEY,
        phone text UNIQUE CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
        email text UNIQUE CHECK (email = lower(email)),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (phone IS NOT NULL OR email IS NOT NULL))""",
    """CREATE TABLE agency_memberships (
        person_id uuid NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
        agency_id uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('agency_owner', 'agency_admin', 'agency_staff')),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (person_id, agency_id))""",
    """CREATE TABLE client_memberships (
        person_id uuid NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
        client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('client_owner', 'client_admin', 'client_member')),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (person_id, client_id))""",
    """CREATE TABLE otp_codes (
        id uuid PRIMARY KEY,
        identifier text NOT NULL,
        login_attempt_id uuid NOT NULL UNIQUE,
        code_hash bytea NOT NULL,
        requested_from text,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        verified_at timestamptz,
        CHECK (attempts <= max_attempts))""",
    "CREATE INDEX otp_codes_by_identifier ON otp_codes (identifier, created_at)",
    "CREATE INDEX otp_codes_by_time ON otp_codes (created_at)",
    # Verification attempts per identifier per hour, counted by one atomic upsert.
    """CREATE TABLE otp_attempt_windows (
        identifier text NOT NULL, hour timestamptz NOT NULL, attempts integer NOT NULL,
        PRIMARY KEY (identifier, hour))""",
    """CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        token_hash bytea NOT NULL UNIQUE,
        person_id uuid NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        otp_code_id uuid NOT NULL UNIQUE REFERENCES otp_codes (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL, revoked_at timestamptz)""",
    """CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        actor_id uuid, action text NOT NULL, entity text NOT NULL, entity_id text NOT NULL,
        before jsonb, after jsonb, at timestamptz NOT NULL DEFAULT now())""",
    *[updated_at_trigger(t) for t in ("agencies", "clients", "people", "agency_memberships", "client_memberships")],
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
    runtime_metadata.create_all(op.get_bind())
