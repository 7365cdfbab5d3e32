"""`messages.send_id`: an outbound message names the send it came from, so a conversation
shows each message with its delivery state (the send's status) in the order things happened.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("ALTER TABLE messages ADD COLUMN send_id uuid")
    # Leads newest first, a page at a time (the admin UI's list; keyset on (created_at, id)).
    op.execute("CREATE INDEX leads_by_client_newest ON leads (client_id, created_at DESC, id DESC)")
    op.execute("CREATE INDEX sends_by_lead ON sends (lead_id) WHERE lead_id IS NOT NULL")
