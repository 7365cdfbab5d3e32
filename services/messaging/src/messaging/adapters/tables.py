"""The messaging database's tables as its migrations create them (ADR 0020): leads, conversations,
sends, opt-outs, schedules, automations, service states and e-mail.
The inbox and outbox are in revgen_common.db.runtime_metadata.
"""
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()


billing_facts = Table(
    "billing_facts", metadata,
    Column("event_id", UUID, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("subscription_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("paused", Boolean),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
)
Index("billing_facts_by_client", billing_facts.c.client_id)

daily_summaries = Table(
    "daily_summaries", metadata,
    Column("client_id", Text, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

delivery_statuses = Table(
    "delivery_statuses", metadata,
    Column("twilio_sid", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("error_code", Integer),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

email_sends = Table(
    "email_sends", metadata,
    Column("id", UUID, primary_key=True),
    Column("source_key", Text, nullable=False),
    Column("client_id", Text),
    Column("to_address", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'pending'::text")),
    Column("claimed_at", DateTime(timezone=True)),
    Column("resend_id", Text),
    Column("error", Text),
    Column("blocked_reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("resend_id", name="email_sends_resend_id_key"),
    UniqueConstraint("source_key", name="email_sends_source_key_key"),
    CheckConstraint(
        "status = ANY (ARRAY['pending'::text, 'claimed'::text, 'sent'::text, 'delivered'::text, 'bounced'::text, "
        "'complained'::text, 'failed'::text, 'blocked'::text, 'canceled'::text])",
        name="email_sends_status_check",
    ),
)

email_suppressions = Table(
    "email_suppressions", metadata,
    Column("address", Text, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("email_id", Text),
    Column("suppressed_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("reason = ANY (ARRAY['bounced'::text, 'complained'::text])", name="email_suppressions_reason_check"),
)

lead_calls = Table(
    "lead_calls", metadata,
    Column("call_sid", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("lead_id", UUID, nullable=False),
    Column("outcome", Text),
    Column("status", Text),
    Column("duration_seconds", Integer),
    Column("answered_by", Text),
    Column("ended_at", DateTime(timezone=True)),
    Column("recording_sid", Text),
    Column("recording_url", Text),
    Column("recording_seconds", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(["lead_id"], ["leads.id"], name="lead_calls_lead_id_fkey", ondelete="CASCADE"),
    CheckConstraint("outcome = ANY (ARRAY['answered'::text, 'missed'::text])", name="lead_calls_outcome_check"),
)
Index("lead_calls_by_lead", lead_calls.c.lead_id, lead_calls.c.created_at)

leads = Table(
    "leads", metadata,
    Column("id", UUID, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("phone", Text, nullable=False),
    Column("name", Text),
    Column("source", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'open'::text")),
    Column("job_value_cents", Integer),
    Column("do_not_contact", Boolean, nullable=False, server_default=text("false")),
    Column("client_number", Text),
    Column("last_inbound_at", DateTime(timezone=True)),
    Column("answered_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("client_id", "phone", name="leads_client_id_phone_key"),
    ForeignKeyConstraint(["client_id"], ["profiles.client_id"], name="leads_client_id_fkey", ondelete="RESTRICT"),
    CheckConstraint("status = ANY (ARRAY['open'::text, 'won'::text, 'lost'::text])", name="leads_status_check"),
)
Index("leads_by_client_answered", leads.c.client_id, leads.c.answered_at, postgresql_where=text('(answered_at IS NOT NULL)'))
Index("leads_by_client_created", leads.c.client_id, leads.c.created_at)
Index("leads_by_client_newest", leads.c.client_id, leads.c.created_at.desc(), leads.c.id.desc())

messages = Table(
    "messages", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("client_id", Text, nullable=False),
    Column("lead_id", UUID, nullable=False),
    Column("direction", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("message_sid", Text),
    Column("client_number", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("send_id", UUID),
    UniqueConstraint("message_sid", name="messages_message_sid_key"),
    ForeignKeyConstraint(["lead_id"], ["leads.id"], name="messages_lead_id_fkey", ondelete="CASCADE"),
    CheckConstraint("direction = ANY (ARRAY['in'::text, 'out'::text])", name="messages_direction_check"),
)
Index("messages_by_client_time", messages.c.client_id, messages.c.created_at)
Index("messages_by_lead", messages.c.lead_id, messages.c.id)
Index("recent_messages_by_number", messages.c.client_number, messages.c.created_at)

numbers = Table(
    "numbers", metadata,
    Column("number", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("released_at", DateTime(timezone=True)),
    Column("release_pending", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["client_id"], ["profiles.client_id"], name="numbers_client_id_fkey", ondelete="RESTRICT"),
)

opt_outs = Table(
    "opt_outs", metadata,
    Column("scope", Text, primary_key=True),
    Column("phone", Text, primary_key=True),
    Column("opted_out_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

profiles = Table(
    "profiles", metadata,
    Column("client_id", Text, primary_key=True),
    Column("timezone", Text, nullable=False, server_default=text("'America/New_York'::text")),
    Column("business_hours", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("quiet_start", Time, nullable=False, server_default=text("'21:00:00'::time without time zone")),
    Column("quiet_end", Time, nullable=False, server_default=text("'08:00:00'::time without time zone")),
    Column("persona", Text, nullable=False, server_default=text("''::text")),
    Column("knowledge", Text, nullable=False, server_default=text("''::text")),
    Column("monthly_limit", Integer, nullable=False, server_default=text("2000")),
    Column("business_name", Text, nullable=False, server_default=text("''::text")),
    Column("owner_phone", Text),
    Column("deleted_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("owner_email", Text),
    CheckConstraint('monthly_limit >= 0', name="profiles_monthly_limit_check"),
    CheckConstraint('length(owner_email) <= 254', name="profiles_owner_email_check"),
)

scheduled_messages = Table(
    "scheduled_messages", metadata,
    Column("id", UUID, primary_key=True),
    Column("source_key", Text, nullable=False),
    Column("client_id", Text, nullable=False),
    Column("lead_id", UUID, nullable=False),
    Column("body", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False, server_default=text("'pending'::text")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("source_key", name="scheduled_messages_source_key_key"),
    ForeignKeyConstraint(["lead_id"], ["leads.id"], name="scheduled_messages_lead_id_fkey", ondelete="CASCADE"),
    CheckConstraint(
        "status = ANY (ARRAY['pending'::text, 'sent'::text, 'canceled'::text])",
        name="scheduled_messages_status_check",
    ),
)
Index("due_messages", scheduled_messages.c.due_at, postgresql_where=text("(status = 'pending'::text)"))

sends = Table(
    "sends", metadata,
    Column("id", UUID, primary_key=True),
    Column("source_key", Text, nullable=False),
    Column("client_id", Text),
    Column("lead_id", UUID),
    Column("to_number", Text, nullable=False),
    Column("from_number", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("not_before", DateTime(timezone=True)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("twilio_sid", Text),
    Column("error_code", Integer),
    Column("blocked_reason", Text),
    Column("usage_month", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("source_key", name="sends_source_key_key"),
    UniqueConstraint("twilio_sid", name="sends_twilio_sid_key"),
    ForeignKeyConstraint(["lead_id"], ["leads.id"], name="sends_lead_id_fkey", ondelete="SET NULL"),
    CheckConstraint(
        "status = ANY (ARRAY['pending'::text, 'deferred'::text, 'claimed'::text, 'queued'::text, 'sending'::text, "
        "'sent'::text, 'delivered'::text, 'undelivered'::text, 'failed'::text, 'blocked'::text, 'canceled'::text])",
        name="sends_status_check",
    ),
)
Index("deferred_sends", sends.c.not_before, postgresql_where=text("(status = 'deferred'::text)"))
Index("sends_by_lead", sends.c.lead_id, postgresql_where=text('(lead_id IS NOT NULL)'))

service_states = Table(
    "service_states", metadata,
    Column("client_id", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("reason", Text),
    Column("since", DateTime(timezone=True)),
    Column("told_suspended_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint(
        "(status = ANY (ARRAY['past_due'::text, 'suspended'::text])) = (since IS NOT NULL)",
        name="service_states_check",
    ),
    CheckConstraint(
        "status = ANY (ARRAY['active'::text, 'trialing'::text, 'past_due'::text, 'suspended'::text])",
        name="service_states_status_check",
    ),
)
Index("past_due_untold", service_states.c.since,
      postgresql_where=text("((status = 'past_due'::text) AND (told_suspended_at IS NULL))"))

usage = Table(
    "usage", metadata,
    Column("client_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),
    Column("sent", Integer, nullable=False, server_default=text("0")),
    CheckConstraint('sent >= 0', name="usage_sent_check"),
)
