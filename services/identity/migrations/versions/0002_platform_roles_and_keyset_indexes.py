"""Platform roles (operator), and the indexes the keyset pages of clients and members read.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from revgen_common.migrations import updated_at_trigger

revision = "0002"
down_revision = "0001"

SCHEMA = [
    # RevGen's own staff: a platform role reaches the catalogue and operations, no tenant.
    """CREATE TABLE platform_memberships (
        person_id uuid NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
        role text NOT NULL CHECK (role IN ('operator')),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (person_id, role))""",
    updated_at_trigger("platform_memberships"),
    "CREATE INDEX clients_by_agency_and_name ON clients (agency_id, name, id) WHERE deleted_at IS NULL",
    "CREATE INDEX clients_by_name ON clients (name, id) WHERE deleted_at IS NULL",
    "CREATE INDEX client_memberships_by_client ON client_memberships (client_id, person_id)",
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
