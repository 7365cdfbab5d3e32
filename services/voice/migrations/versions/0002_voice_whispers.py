"""Whispers: what a rung-through call's answerer hears first ("Call for <business> from
<caller>"), worked out when the call comes in and kept on its row; the names it is made of
(the client's, from identity's ClientCreated/ClientUpdated; a lead's, from messaging's
EscalationRequested) join the read model.

Revision ID: 0002_voice_whispers
Revises: 0001
"""
from alembic import op

revision = "0002_voice_whispers"
down_revision = "0001"

SCHEMA = [
    "CREATE TABLE client_names (client_id text PRIMARY KEY, name text NOT NULL)",
    """CREATE TABLE lead_names (
        client_id text NOT NULL, phone text NOT NULL, name text NOT NULL, PRIMARY KEY (client_id, phone))""",
    "ALTER TABLE calls ADD COLUMN whisper text, ADD COLUMN whisper_voice text",
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
