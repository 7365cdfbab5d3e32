"""The billing database's tables as its migrations create them (ADR 0020): plans, coupons,
subscriptions and their sagas, coupons applied to live subscriptions, invoices, the Stripe
ledger and reconciliation, and which agency each client belongs to.
The inbox and outbox are in revgen_common.db.runtime_metadata.
"""
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()


billing_accounts = Table(
    "billing_accounts", metadata,
    Column("client_id", Text, primary_key=True),
    Column("stripe_customer_id", Text),
    Column("email", Text),
    Column("phone", Text),
    Column("has_payment_method", Boolean, nullable=False, server_default=text("false")),
    Column("deleted_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("stripe_customer_id", name="billing_accounts_stripe_customer_id_key"),
)

cancellation_requests = Table(
    "cancellation_requests", metadata,
    Column("id", UUID, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("subscription_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("offer", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["client_id"], ["billing_accounts.client_id"],
                         name="cancellation_requests_client_id_fkey", ondelete="RESTRICT"),
    ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"],
                         name="cancellation_requests_subscription_id_fkey", ondelete="RESTRICT"),
    CheckConstraint("status = ANY (ARRAY['offered'::text, 'confirmed'::text])", name="cancellation_requests_status_check"),
)

charges = Table(
    "charges", metadata,
    Column("id", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("amount_refunded", Integer, nullable=False, server_default=text("0")),
    Column("currency", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["client_id"], ["billing_accounts.client_id"], name="charges_client_id_fkey", ondelete="RESTRICT"),
)

client_agencies = Table(
    "client_agencies", metadata,
    Column("client_id", Text, primary_key=True),
    Column("agency_id", Text, nullable=False),
)
Index("client_agencies_by_agency", client_agencies.c.agency_id, client_agencies.c.client_id)

coupon_applications = Table(
    "coupon_applications", metadata,
    Column("idempotency_key", Text, primary_key=True),
    Column("subscription_id", Text, nullable=False),
    Column("coupon_id", Text, nullable=False),
    Column("client_id", Text, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"],
                         name="coupon_applications_subscription_id_fkey", ondelete="RESTRICT"),
    ForeignKeyConstraint(["coupon_id"], ["coupons.id"], name="coupon_applications_coupon_id_fkey", ondelete="RESTRICT"),
    UniqueConstraint("subscription_id", "coupon_id", name="coupon_applications_subscription_id_coupon_id_key"),
)

coupon_redemptions = Table(
    "coupon_redemptions", metadata,
    Column("command_id", Text, primary_key=True),
    Column("coupon_id", Text, nullable=False),
    Column("client_id", Text, nullable=False),
    Column("redeemed_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["command_id"], ["subscription_commands.id"],
                         name="coupon_redemptions_command_id_fkey", ondelete="RESTRICT"),
    ForeignKeyConstraint(["coupon_id"], ["coupons.id"], name="coupon_redemptions_coupon_id_fkey", ondelete="RESTRICT"),
)

coupons = Table(
    "coupons", metadata,
    Column("id", Text, primary_key=True),
    Column("stripe_coupon_id", Text, nullable=False),
    Column("percent_off", Numeric(5, 2)),
    Column("amount_off_cents", Integer),
    Column("currency", Text),
    Column("duration", Text, nullable=False),
    Column("max_redemptions", Integer),
    Column("redeemed", Integer, nullable=False, server_default=text("0")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("duration_in_months", Integer),
    Column("redeem_by", DateTime(timezone=True)),
    UniqueConstraint("stripe_coupon_id", name="coupons_stripe_coupon_id_key"),
    CheckConstraint('max_redemptions IS NULL OR redeemed <= max_redemptions', name="coupons_check"),
    CheckConstraint('(percent_off IS NULL) <> (amount_off_cents IS NULL)', name="coupons_check1"),
    CheckConstraint("duration = ANY (ARRAY['once'::text, 'forever'::text, 'repeating'::text])", name="coupons_duration_check"),
    CheckConstraint('duration_in_months > 0', name="coupons_duration_in_months_check"),
    CheckConstraint('max_redemptions > 0', name="coupons_max_redemptions_check"),
    CheckConstraint('redeemed >= 0', name="coupons_redeemed_check"),
    CheckConstraint("(duration = 'repeating'::text) = (duration_in_months IS NOT NULL)", name="months_only_for_repeating"),
)

discrepancies = Table(
    "discrepancies", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),
    Column("object_id", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("repaired", Boolean, nullable=False),
    Column("found_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("kind", "object_id", "detail", name="discrepancies_kind_object_id_detail_key"),
)

disputes = Table(
    "disputes", metadata,
    Column("id", Text, primary_key=True),
    Column("charge_id", Text, nullable=False),
    Column("client_id", Text, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["client_id"], ["billing_accounts.client_id"], name="disputes_client_id_fkey", ondelete="RESTRICT"),
)
Index("disputes_newest_first", disputes.c.created_at.desc(), disputes.c.id.desc())

invoices = Table(
    "invoices", metadata,
    Column("id", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("subscription_id", Text),
    Column("status", Text, nullable=False),
    Column("amount_due", Integer, nullable=False),
    Column("amount_paid", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    Column("attempt_count", Integer, nullable=False, server_default=text("0")),
    Column("finalization_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["client_id"], ["billing_accounts.client_id"], name="invoices_client_id_fkey", ondelete="RESTRICT"),
    ForeignKeyConstraint(["subscription_id"], ["subscriptions.id"], name="invoices_subscription_id_fkey", ondelete="RESTRICT"),
)

lead_outcomes = Table(
    "lead_outcomes", metadata,
    Column("client_id", Text, primary_key=True),
    Column("lead_id", Text, primary_key=True),
    Column("outcome", Text, nullable=False),
    Column("job_value_cents", Integer),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint("outcome = ANY (ARRAY['open'::text, 'won'::text, 'lost'::text])", name="lead_outcomes_outcome_check"),
)

plans = Table(
    "plans", metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("stripe_product_id", Text, nullable=False),
    Column("stripe_price_id", Text, nullable=False),
    Column("amount_cents", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    Column("interval", Text, nullable=False),
    Column("trial_days", Integer, nullable=False, server_default=text("0")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("stripe_price_id", name="plans_stripe_price_id_key"),
    CheckConstraint('amount_cents >= 0', name="plans_amount_cents_check"),
    CheckConstraint('"interval" = ANY (ARRAY[\'month\'::text, \'year\'::text])', name="plans_interval_check"),
    CheckConstraint('trial_days >= 0', name="plans_trial_days_check"),
)

stripe_events = Table(
    "stripe_events", metadata,
    Column("id", Text, primary_key=True),
    Column("type", Text, nullable=False),
    Column("stripe_created", DateTime(timezone=True), nullable=False),
    Column("source", Text, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint("source = ANY (ARRAY['webhook'::text, 'reconciliation'::text])", name="stripe_events_source_check"),
)

stripe_object_reads = Table(
    "stripe_object_reads", metadata,
    Column("object_id", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),
    CheckConstraint('version > 0', name="stripe_object_reads_version_check"),
)

subscription_commands = Table(
    "subscription_commands", metadata,
    Column("id", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("plan_id", Text, nullable=False),
    Column("coupon_id", Text),
    Column("trial_days", Integer, nullable=False),
    Column("params_hash", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("stripe_customer_id", Text),
    Column("customer_created", Boolean, nullable=False, server_default=text("false")),
    Column("stripe_subscription_id", Text),
    Column("error", Text),
    Column("lease_until", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["client_id"], ["billing_accounts.client_id"],
                         name="subscription_commands_client_id_fkey", ondelete="RESTRICT"),
    ForeignKeyConstraint(["coupon_id"], ["coupons.id"], name="subscription_commands_coupon_id_fkey", ondelete="RESTRICT"),
    ForeignKeyConstraint(["plan_id"], ["plans.id"], name="subscription_commands_plan_id_fkey", ondelete="RESTRICT"),
    CheckConstraint(
        "state = ANY (ARRAY['started'::text, 'customer_ready'::text, 'completed'::text, 'compensating'::text, "
        "'compensated'::text])",
        name="subscription_commands_state_check",
    ),
)
Index("one_open_command_per_client", subscription_commands.c.client_id, unique=True,
      postgresql_where=text("(state = ANY (ARRAY['started'::text, 'customer_ready'::text, 'compensating'::text]))"))
Index("open_commands", subscription_commands.c.lease_until,
      postgresql_where=text("(state = ANY (ARRAY['started'::text, 'customer_ready'::text, 'compensating'::text]))"))

subscriptions = Table(
    "subscriptions", metadata,
    Column("id", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("plan_id", Text),
    Column("command_id", Text),
    Column("status", Text, nullable=False),
    Column("paused", Boolean, nullable=False, server_default=text("false")),
    Column("cancel_at_period_end", Boolean, nullable=False, server_default=text("false")),
    Column("unit_amount_cents", Integer),
    Column("currency", Text),
    Column("interval", Text),
    Column("current_period_end", DateTime(timezone=True)),
    Column("trial_end", DateTime(timezone=True)),
    Column("canceled_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["client_id"], ["billing_accounts.client_id"], name="subscriptions_client_id_fkey", ondelete="RESTRICT"),
    ForeignKeyConstraint(["command_id"], ["subscription_commands.id"], name="subscriptions_command_id_fkey", ondelete="SET NULL"),
    ForeignKeyConstraint(["plan_id"], ["plans.id"], name="subscriptions_plan_id_fkey", ondelete="RESTRICT"),
)
Index("live_subscriptions_by_client", subscriptions.c.client_id,
      postgresql_where=text(
          "(status = ANY (ARRAY['trialing'::text, 'active'::text, 'past_due'::text, 'paused'::text, "
          "'incomplete'::text, 'unpaid'::text]))"
      ))
Index("live_subscriptions_by_plan", subscriptions.c.plan_id,
      postgresql_where=text(
          "(status = ANY (ARRAY['trialing'::text, 'active'::text, 'past_due'::text, 'paused'::text, "
          "'incomplete'::text, 'unpaid'::text]))"
      ))
