"""The AI voice answers one spoken question itself (ADR 0021) instead of streaming the call
to a media-stream URL nothing answered: what the caller said and what they were told are
kept on the call's row; the stream URL goes.

Revision ID: 0003_voice_ai_turns
Revises: 0002_voice_whispers
"""
from alembic import op

revision = "0003_voice_ai_turns"
down_revision = "0002_voice_whispers"

SCHEMA = [
    "ALTER TABLE calls ADD COLUMN ai_heard text, ADD COLUMN ai_answer text",
    "ALTER TABLE voice_settings DROP COLUMN ai_stream_url",
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
