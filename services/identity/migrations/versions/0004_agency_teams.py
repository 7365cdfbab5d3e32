"""The index the keyset pages of an agency's team read (its primary key leads with the person).

Revision ID: 0004_agency_teams
Revises: 0003
"""
from alembic import op

revision = "0004_agency_teams"
down_revision = "0003"


def upgrade() -> None:
    op.execute("CREATE INDEX agency_memberships_by_agency ON agency_memberships (agency_id, person_id)")
