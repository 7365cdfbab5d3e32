"""Calls in a lead's conversation (voice's CallEnded and VoicemailRecorded): one row per
call, its outcome and the voicemail's recording.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.execute("""CREATE TABLE lead_calls (
        call_sid text PRIMARY KEY,
        client_id text NOT NULL, lead_id uuid NOT NULL REFERENCES leads ON DELETE CASCADE,
        outcome text CHECK (outcome IN ('answered', 'missed')), status text,
        duration_seconds integer, answered_by text, ended_at timestamptz,
        recording_sid text, recording_url text, recording_seconds integer,
        created_at timestamptz NOT NULL)""")
    op.execute("CREATE INDEX lead_calls_by_lead ON lead_calls (lead_id, created_at)")
