"""Leads a person marked do-not-contact (messaging's LeadDoNotContactChanged): the newest
change per lead, so a late older one cannot undo a newer one.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("""CREATE TABLE do_not_contact_leads (
        client_id text NOT NULL, lead_phone text NOT NULL, do_not_contact boolean NOT NULL,
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (client_id, lead_phone))""")

