"""A voicemail's audio is fetched from Twilio once and kept here, so the admin UI plays it
through the gateway without a Twilio URL or credential reaching a browser.

Revision ID: 0004_voice_recordings
Revises: 0003_voice_ai_turns
"""
from alembic import op

revision = "0004_voice_recordings"
down_revision = "0003_voice_ai_turns"

SCHEMA = [
    """ALTER TABLE recordings ADD COLUMN content_type text, ADD COLUMN audio bytea,
        ADD COLUMN fetched_at timestamptz, ADD COLUMN fetch_tries integer NOT NULL DEFAULT 0""",
    "CREATE INDEX recordings_to_fetch ON recordings (created_at) WHERE audio IS NULL",
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
