"""`delivery_statuses.updated_at` set by the shared trigger, like every other table's (audit D11).

0001 left it to the one statement that writes the table; a second writer would have had to
remember it.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from revgen_common.migrations import updated_at_trigger

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.execute(updated_at_trigger("delivery_statuses"))
