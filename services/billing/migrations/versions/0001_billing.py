"""Plans, coupons, billing accounts, the create-subscription saga, subscriptions, invoices,
charges, disputes, the Stripe event ledger, discrepancies, cancellation requests,
lead statistics (for the retention offer), inbox/outbox.

Every foreign key says what a delete does (D5, D6): billing history is never deleted by
accident, so most are RESTRICT; only purely derived rows cascade.

Revision ID: 0001
Revises:
"""
from alembic import op

from revgen_common.db import runtime_metadata
from revgen_common.migrations import UPDATED_AT_FUNCTION, updated_at_trigger

revision = "0001"
down_revision = None

LIVE_STATUSES = "('trialing', 'active', 'past_due', 'paused', 'incomplete', 'unpaid')"

SCHEMA = [
    UPDATED_AT_FUNCTION,
    """CREATE TABLE plans (
        id text PRIMARY KEY, name text NOT NULL,
        stripe_product_id text NOT NULL, stripe_price_id text NOT NULL UNIQUE,
        amount_cents integer NOT NULL CHECK (amount_cents >= 0), currency text NOT NULL,
        interval text NOT NULL CHECK (interval IN ('month', 'year')),
        trial_days integer NOT NULL DEFAULT 0 CHECK (trial_days >= 0),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    # The counter and the redemptions change in one statement, and the CHECK holds the limit (D2, D8).
    """CREATE TABLE coupons (
        id text PRIMARY KEY, stripe_coupon_id text NOT NULL UNIQUE,
        percent_off numeric(5, 2), amount_off_cents integer, currency text,
        duration text NOT NULL CHECK (duration IN ('once', 'forever', 'repeating')),
        max_redemptions integer CHECK (max_redemptions > 0),
        redeemed integer NOT NULL DEFAULT 0 CHECK (redeemed >= 0),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (max_redemptions IS NULL OR redeemed <= max_redemptions),
        CHECK ((percent_off IS NULL) <> (amount_off_cents IS NULL)))""",
    """CREATE TABLE billing_accounts (
        client_id text PRIMARY KEY, stripe_customer_id text UNIQUE,
        email text, phone text, has_payment_method boolean NOT NULL DEFAULT false,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    # The saga's own record (D1): written before Stripe is called, advanced after each step.
    """CREATE TABLE subscription_commands (
        id text PRIMARY KEY,
        client_id text NOT NULL REFERENCES billing_accounts ON DELETE RESTRICT,
        plan_id text NOT NULL REFERENCES plans ON DELETE RESTRICT,
        coupon_id text REFERENCES coupons ON DELETE RESTRICT,
        trial_days integer NOT NULL, params_hash text NOT NULL,
        state text NOT NULL CHECK (state IN ('started', 'customer_ready', 'completed', 'compensating',
                                              'compensated')),
        stripe_customer_id text, customer_created boolean NOT NULL DEFAULT false,
        stripe_subscription_id text, error text,
        lease_until timestamptz, attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    # One create at a time per client: the trial rule (B4) cannot race.
    """CREATE UNIQUE INDEX one_open_command_per_client ON subscription_commands (client_id)
        WHERE state IN ('started', 'customer_ready', 'compensating')""",
    "CREATE INDEX open_commands ON subscription_commands (lease_until)"
    " WHERE state IN ('started', 'customer_ready', 'compensating')",
    """CREATE TABLE coupon_redemptions (
        command_id text PRIMARY KEY REFERENCES subscription_commands ON DELETE RESTRICT,
        coupon_id text NOT NULL REFERENCES coupons ON DELETE RESTRICT,
        client_id text NOT NULL, redeemed_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE subscriptions (
        id text PRIMARY KEY,
        client_id text NOT NULL REFERENCES billing_accounts ON DELETE RESTRICT,
        plan_id text REFERENCES plans ON DELETE RESTRICT,
        command_id text REFERENCES subscription_commands ON DELETE SET NULL,
        status text NOT NULL, paused boolean NOT NULL DEFAULT false,
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        unit_amount_cents integer, currency text, interval text,
        current_period_end timestamptz, trial_end timestamptz, canceled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    # Not UNIQUE: Stripe may hold a second live subscription (made outside RevGen), and
    # reconciliation must be able to record it. The saga refuses a second one itself.
    f"CREATE INDEX live_subscriptions_by_client ON subscriptions (client_id) WHERE status IN {LIVE_STATUSES}",
    f"CREATE INDEX live_subscriptions_by_plan ON subscriptions (plan_id) WHERE status IN {LIVE_STATUSES}",
    """CREATE TABLE invoices (
        id text PRIMARY KEY,
        client_id text NOT NULL REFERENCES billing_accounts ON DELETE RESTRICT,
        subscription_id text REFERENCES subscriptions ON DELETE RESTRICT,
        status text NOT NULL, amount_due integer NOT NULL, amount_paid integer NOT NULL, currency text NOT NULL,
        attempt_count integer NOT NULL DEFAULT 0, finalization_error text,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE charges (
        id text PRIMARY KEY,
        client_id text NOT NULL REFERENCES billing_accounts ON DELETE RESTRICT,
        amount integer NOT NULL, amount_refunded integer NOT NULL DEFAULT 0, currency text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE disputes (
        id text PRIMARY KEY, charge_id text NOT NULL,
        client_id text NOT NULL REFERENCES billing_accounts ON DELETE RESTRICT,
        amount integer NOT NULL, currency text NOT NULL, status text NOT NULL, reason text,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    # The Stripe event ledger: each event applied once, whether it came as a webhook or was
    # found by reconciliation (E4, E9).
    """CREATE TABLE stripe_events (
        id text PRIMARY KEY, type text NOT NULL, stripe_created timestamptz NOT NULL,
        source text NOT NULL CHECK (source IN ('webhook', 'reconciliation')),
        applied_at timestamptz NOT NULL DEFAULT now())""",
    # One row per drift, however many reconciliations see it (E2).
    """CREATE TABLE discrepancies (
        id bigserial PRIMARY KEY, kind text NOT NULL, object_id text NOT NULL, detail text NOT NULL,
        repaired boolean NOT NULL, found_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, object_id, detail))""",
    """CREATE TABLE cancellation_requests (
        id uuid PRIMARY KEY,
        client_id text NOT NULL REFERENCES billing_accounts ON DELETE RESTRICT,
        subscription_id text NOT NULL REFERENCES subscriptions ON DELETE RESTRICT,
        status text NOT NULL CHECK (status IN ('offered', 'confirmed')),
        offer jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())""",
    # Read model of messaging's lead outcomes: one row per lead, so a replay cannot inflate it (B6).
    """CREATE TABLE lead_outcomes (
        client_id text NOT NULL, lead_id text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('open', 'won', 'lost')),
        job_value_cents integer, decided_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, lead_id))""",
    *[updated_at_trigger(t) for t in ("plans", "coupons", "billing_accounts", "subscription_commands", "subscriptions",
                                      "invoices", "charges", "disputes", "cancellation_requests", "lead_outcomes")],
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
    runtime_metadata.create_all(op.get_bind())
