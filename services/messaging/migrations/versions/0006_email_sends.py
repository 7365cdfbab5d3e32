"""E-mail (ADR 0018): `email_sends`, one row per e-mail to send, unique by what caused it,
its Resend id once accepted and the furthest state Resend reported; `email_suppressions`,
the addresses that bounced for good or complained, which get nothing more.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

from revgen_common.migrations import updated_at_trigger

revision = "0006"
down_revision = "0005"

# pending → claimed (committed before Resend is called) → sent → delivered | bounced |
# complained; or failed (Resend refused it), blocked (a suppressed address, a suspended
# client's automation), canceled.
EMAIL_STATES = "'pending', 'claimed', 'sent', 'delivered', 'bounced', 'complained', 'failed', 'blocked', 'canceled'"

SCHEMA = [
    f"""CREATE TABLE email_sends (
        id uuid PRIMARY KEY, source_key text NOT NULL UNIQUE, client_id text,
        to_address text NOT NULL, subject text NOT NULL, body text NOT NULL, purpose text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ({EMAIL_STATES})),
        claimed_at timestamptz, resend_id text UNIQUE, error text, blocked_reason text,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE email_suppressions (
        address text PRIMARY KEY, reason text NOT NULL CHECK (reason IN ('bounced', 'complained')),
        email_id text, suppressed_at timestamptz NOT NULL)""",
    updated_at_trigger("email_sends"),
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE email_suppressions")
    op.execute("DROP TABLE email_sends")
