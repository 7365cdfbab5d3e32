"""Each Stripe object's lock count: every transaction that locks an object (to read it at
Stripe and store it) bumps it, so a read made before the lock, outside any transaction,
can tell whether anyone stored the object since it began (billing.service_layer.stripe_reads).

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.execute("""CREATE TABLE stripe_object_reads (
        object_id text PRIMARY KEY,
        version bigint NOT NULL CHECK (version > 0))""")
