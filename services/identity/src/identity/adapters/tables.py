"""The identity database's tables as its migrations create them (ADR 0020): agencies, clients,
people, memberships, OTPs, sessions, the audit log and alerts.
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
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()


agencies = Table(
    "agencies", metadata,
    Column("id", UUID, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

agency_memberships = Table(
    "agency_memberships", metadata,
    Column("person_id", UUID, primary_key=True),
    Column("agency_id", UUID, primary_key=True),
    Column("role", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["agency_id"], ["agencies.id"], name="agency_memberships_agency_id_fkey", ondelete="CASCADE"),
    ForeignKeyConstraint(["person_id"], ["people.id"], name="agency_memberships_person_id_fkey", ondelete="RESTRICT"),
    CheckConstraint(
        "role = ANY (ARRAY['agency_owner'::text, 'agency_admin'::text, 'agency_staff'::text])",
        name="agency_memberships_role_check",
    ),
)
Index("agency_memberships_by_agency", agency_memberships.c.agency_id, agency_memberships.c.person_id)

alerts = Table(
    "alerts", metadata,
    Column("cause", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("client_id", Text),
    Column("recipients", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint('length(cause) <= 500', name="alerts_cause_check"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("actor_id", UUID),
    Column("action", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Text, nullable=False),
    Column("before", JSONB),
    Column("after", JSONB),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

client_memberships = Table(
    "client_memberships", metadata,
    Column("person_id", UUID, primary_key=True),
    Column("client_id", UUID, primary_key=True),
    Column("role", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["client_id"], ["clients.id"], name="client_memberships_client_id_fkey", ondelete="CASCADE"),
    ForeignKeyConstraint(["person_id"], ["people.id"], name="client_memberships_person_id_fkey", ondelete="RESTRICT"),
    CheckConstraint(
        "role = ANY (ARRAY['client_owner'::text, 'client_admin'::text, 'client_member'::text])",
        name="client_memberships_role_check",
    ),
)
Index("client_memberships_by_client", client_memberships.c.client_id, client_memberships.c.person_id)

clients = Table(
    "clients", metadata,
    Column("id", UUID, primary_key=True),
    Column("agency_id", UUID, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'active'::text")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("deleted_at", DateTime(timezone=True)),
    ForeignKeyConstraint(["agency_id"], ["agencies.id"], name="clients_agency_id_fkey", ondelete="RESTRICT"),
    CheckConstraint("(status = 'deleted'::text) = (deleted_at IS NOT NULL)", name="clients_check"),
    CheckConstraint("status = ANY (ARRAY['active'::text, 'paused'::text, 'deleted'::text])", name="clients_status_check"),
)
Index("clients_by_agency_and_name", clients.c.agency_id, clients.c.name, clients.c.id,
      postgresql_where=text('(deleted_at IS NULL)'))
Index("clients_by_name", clients.c.name, clients.c.id, postgresql_where=text('(deleted_at IS NULL)'))

otp_attempt_windows = Table(
    "otp_attempt_windows", metadata,
    Column("identifier", Text, primary_key=True),
    Column("hour", DateTime(timezone=True), primary_key=True),
    Column("attempts", Integer, nullable=False),
)

otp_codes = Table(
    "otp_codes", metadata,
    Column("id", UUID, primary_key=True),
    Column("identifier", Text, nullable=False),
    Column("login_attempt_id", UUID, nullable=False),
    Column("code_hash", LargeBinary, nullable=False),
    Column("requested_from", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("max_attempts", Integer, nullable=False),
    Column("verified_at", DateTime(timezone=True)),
    UniqueConstraint("login_attempt_id", name="otp_codes_login_attempt_id_key"),
    CheckConstraint('attempts <= max_attempts', name="otp_codes_check"),
)
Index("otp_codes_by_identifier", otp_codes.c.identifier, otp_codes.c.created_at)
Index("otp_codes_by_time", otp_codes.c.created_at)

people = Table(
    "people", metadata,
    Column("id", UUID, primary_key=True),
    Column("phone", Text),
    Column("email", Text),
    Column("name", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("alert_channels", Text, nullable=False, server_default=text("'both'::text")),
    UniqueConstraint("email", name="people_email_key"),
    UniqueConstraint("phone", name="people_phone_key"),
    CheckConstraint("alert_channels = ANY (ARRAY['sms'::text, 'email'::text, 'both'::text])", name="people_alert_channels_check"),
    CheckConstraint('phone IS NOT NULL OR email IS NOT NULL', name="people_check"),
    CheckConstraint('email = lower(email)', name="people_email_check"),
    CheckConstraint("phone ~ '^\\+[1-9][0-9]{6,14}$'::text", name="people_phone_check"),
)

platform_memberships = Table(
    "platform_memberships", metadata,
    Column("person_id", UUID, primary_key=True),
    Column("role", Text, primary_key=True),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    ForeignKeyConstraint(["person_id"], ["people.id"], name="platform_memberships_person_id_fkey", ondelete="RESTRICT"),
    CheckConstraint("role = 'operator'::text", name="platform_memberships_role_check"),
)

sessions = Table(
    "sessions", metadata,
    Column("id", UUID, primary_key=True),
    Column("token_hash", LargeBinary, nullable=False),
    Column("person_id", UUID, nullable=False),
    Column("otp_code_id", UUID, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    UniqueConstraint("otp_code_id", name="sessions_otp_code_id_key"),
    UniqueConstraint("token_hash", name="sessions_token_hash_key"),
    ForeignKeyConstraint(["otp_code_id"], ["otp_codes.id"], name="sessions_otp_code_id_fkey", ondelete="CASCADE"),
    ForeignKeyConstraint(["person_id"], ["people.id"], name="sessions_person_id_fkey", ondelete="CASCADE"),
)
