"""Alerts to people: how each person wants to be told (`people.alert_channels`), and one row
per alert's cause, so a cause is told once however often its event comes.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"

SCHEMA = [
    """ALTER TABLE people ADD COLUMN alert_channels text NOT NULL DEFAULT 'both'
           CHECK (alert_channels IN ('sms', 'email', 'both'))""",
    """CREATE TABLE alerts (
        cause text PRIMARY KEY CHECK (length(cause) <= 500),
        kind text NOT NULL,
        client_id text,
        recipients integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now())""",
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
