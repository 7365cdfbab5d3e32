"""A team member known only by an e-mail address is told of hot leads by e-mail (#15).

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.execute("ALTER TABLE team_members ADD COLUMN email text")
