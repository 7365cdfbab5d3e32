"""Leads who revoked consent (messaging's LeadOptedOut / LeadOptedIn), and the escalations
withdrawn because of it.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.execute("""CREATE TABLE opted_out_leads (
        client_id text NOT NULL, lead_phone text NOT NULL, opted_out_at timestamptz NOT NULL,
        PRIMARY KEY (client_id, lead_phone))""")
    op.execute("""ALTER TABLE escalations
        DROP CONSTRAINT escalations_status_check,
        ADD CONSTRAINT escalations_status_check
            CHECK (status IN ('pending', 'claimed', 'resolved', 'expired', 'withdrawn')),
        DROP CONSTRAINT escalations_check,
        ADD CONSTRAINT escalations_claimed_by_check
            CHECK ((status = 'claimed') = (claimed_by IS NOT NULL) OR status IN ('resolved', 'withdrawn'))""")
    op.execute("CREATE INDEX escalations_open_by_lead ON escalations (client_id, lead_phone) "
               "WHERE status IN ('pending', 'claimed')")
