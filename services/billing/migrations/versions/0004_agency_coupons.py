"""A coupon's last day (Stripe's redeem_by), coupons applied to live subscriptions (one row per
idempotency key, counted in the coupon's redemptions), and which agency each client belongs to
(from identity's ClientCreated), for an agency's list of its clients' disputes.

Revision ID: 0004_agency_coupons
Revises: 0003
"""
from alembic import op

revision = "0004_agency_coupons"
down_revision = "0003"

SCHEMA = [
    "ALTER TABLE coupons ADD COLUMN redeem_by timestamptz",
    # The redemption of a coupon applied to an existing subscription: written with the counter
    # in one statement (as coupon_redemptions is for a new subscription), before Stripe is called.
    """CREATE TABLE coupon_applications (
        idempotency_key text PRIMARY KEY,
        subscription_id text NOT NULL REFERENCES subscriptions ON DELETE RESTRICT,
        coupon_id text NOT NULL REFERENCES coupons ON DELETE RESTRICT,
        client_id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (subscription_id, coupon_id))""",
    """CREATE TABLE client_agencies (
        client_id text PRIMARY KEY, agency_id text NOT NULL)""",
    "CREATE INDEX client_agencies_by_agency ON client_agencies (agency_id, client_id)",
    "CREATE INDEX disputes_newest_first ON disputes (created_at DESC, id DESC)",
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
