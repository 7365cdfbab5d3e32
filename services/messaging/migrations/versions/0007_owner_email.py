"""A client owner known by an e-mail address gets the daily summary by e-mail when the
profile names no owner phone (#15).

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.execute("ALTER TABLE profiles ADD COLUMN owner_email text CHECK (length(owner_email) <= 254)")
