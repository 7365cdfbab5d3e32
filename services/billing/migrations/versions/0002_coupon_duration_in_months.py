"""A "repeating" coupon says for how many months it applies (Stripe requires it; other
durations must not have it).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.execute("""ALTER TABLE coupons
        ADD COLUMN duration_in_months integer CHECK (duration_in_months > 0),
        ADD CONSTRAINT months_only_for_repeating CHECK ((duration = 'repeating') = (duration_in_months IS NOT NULL))""")
