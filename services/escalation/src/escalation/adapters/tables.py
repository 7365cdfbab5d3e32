"""The escalation database's tables as its migrations create them (ADR 0020): escalations and
claim links, and the read models of identity's team roster, business hours and deleted clients
and of messaging's opted-out and do-not-contact leads.
The inbox and outbox are in revgen_common.db.runtime_metadata.
"""
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()


business_hours = Table(
    "business_hours", metadata,
    Column("client_id", Text, primary_key=True),
    Column("timezone", Text, nullable=False),
    Column("hours", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

claim_links = Table(
    "claim_links", metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("escalation_id", UUID, nullable=False),
    Column("person_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["escalation_id"], ["escalations.id"], name="claim_links_escalation_id_fkey", ondelete="CASCADE"),
)

deleted_clients = Table(
    "deleted_clients", metadata,
    Column("client_id", Text, primary_key=True),
    Column("deleted_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

do_not_contact_leads = Table(
    "do_not_contact_leads", metadata,
    Column("client_id", Text, primary_key=True),
    Column("lead_phone", Text, primary_key=True),
    Column("do_not_contact", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

escalations = Table(
    "escalations", metadata,
    Column("id", UUID, primary_key=True),
    Column("request_id", Text, nullable=False),
    Column("client_id", Text, nullable=False),
    Column("lead_phone", Text, nullable=False),
    Column("lead_name", Text),
    Column("reason", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("claimed_by", Text),
    Column("claimed_at", DateTime(timezone=True)),
    Column("step", Integer, nullable=False, server_default=text("0")),
    Column("next_step_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    UniqueConstraint("request_id", name="escalations_request_id_key"),
    CheckConstraint(
        "(status = 'claimed'::text) = (claimed_by IS NOT NULL) OR (status = ANY (ARRAY['resolved'::text, "
        "'withdrawn'::text]))",
        name="escalations_claimed_by_check",
    ),
    CheckConstraint(
        "status = ANY (ARRAY['pending'::text, 'claimed'::text, 'resolved'::text, 'expired'::text, 'withdrawn'::text])",
        name="escalations_status_check",
    ),
)
Index("escalations_by_owner", escalations.c.client_id, escalations.c.claimed_by,
      postgresql_where=text("(status = 'claimed'::text)"))
Index("escalations_due", escalations.c.next_step_at, postgresql_where=text("(status = 'pending'::text)"))
Index("escalations_open_by_lead", escalations.c.client_id, escalations.c.lead_phone,
      postgresql_where=text("(status = ANY (ARRAY['pending'::text, 'claimed'::text]))"))

opted_out_leads = Table(
    "opted_out_leads", metadata,
    Column("client_id", Text, primary_key=True),
    Column("lead_phone", Text, primary_key=True),
    Column("opted_out_at", DateTime(timezone=True), nullable=False),
)

team_members = Table(
    "team_members", metadata,
    Column("client_id", Text, primary_key=True),
    Column("person_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("phone", Text),
    Column("role", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("email", Text),
)
