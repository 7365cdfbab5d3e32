"""The voice database's tables as its migrations create them (ADR 0020): calls, recordings, voice
settings, greetings and the read model of numbers, hours, teams and the names whispers are made of.
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

call_statuses = Table(
    "call_statuses", metadata,
    Column("call_sid", Text, primary_key=True),
    Column("status", Text, primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    ForeignKeyConstraint(["call_sid"], ["calls.call_sid"], name="call_statuses_call_sid_fkey"),
)

calls = Table(
    "calls", metadata,
    Column("call_sid", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
    Column("client_number", Text, nullable=False),
    Column("lead_phone", Text, nullable=False),
    Column("route", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("answered_by", Text),
    Column("answered_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("duration_seconds", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("whisper", Text),
    Column("whisper_voice", Text),
    Column("ai_heard", Text),
    Column("ai_answer", Text),
    CheckConstraint("route = ANY (ARRAY['ring'::text, 'greeting'::text])", name="calls_route_check"),
)
Index("calls_by_client", calls.c.client_id, calls.c.created_at)

client_names = Table(
    "client_names", metadata,
    Column("client_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
)

client_numbers = Table(
    "client_numbers", metadata,
    Column("number", Text, primary_key=True),
    Column("client_id", Text, nullable=False),
)

deleted_clients = Table(
    "deleted_clients", metadata,
    Column("client_id", Text, primary_key=True),
    Column("deleted_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

greetings = Table(
    "greetings", metadata,
    Column("id", UUID, primary_key=True),
    Column("voice_id", Text, nullable=False),
    Column("text_hash", LargeBinary, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("audio", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("voice_id", "text_hash", name="greetings_voice_id_text_hash_key"),
)

lead_names = Table(
    "lead_names", metadata,
    Column("client_id", Text, primary_key=True),
    Column("phone", Text, primary_key=True),
    Column("name", Text, nullable=False),
)

recordings = Table(
    "recordings", metadata,
    Column("recording_sid", Text, primary_key=True),
    Column("call_sid", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("duration_seconds", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("content_type", Text),
    Column("audio", LargeBinary),
    Column("fetched_at", DateTime(timezone=True)),
    Column("fetch_tries", Integer, nullable=False, server_default=text("0")),
    ForeignKeyConstraint(["call_sid"], ["calls.call_sid"], name="recordings_call_sid_fkey"),
)
Index("recordings_to_fetch", recordings.c.created_at, postgresql_where=text("(audio IS NULL)"))

team_members = Table(
    "team_members", metadata,
    Column("client_id", Text, primary_key=True),
    Column("person_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("phone", Text),
    Column("role", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)

voice_settings = Table(
    "voice_settings", metadata,
    Column("client_id", Text, primary_key=True),
    Column("business_phone", Text),
    Column("greeting", Text, nullable=False),
    Column("voice_id", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("ring_seconds", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    CheckConstraint('length(greeting) >= 1 AND length(greeting) <= 1000', name="voice_settings_greeting_check"),
    CheckConstraint("mode = ANY (ARRAY['voicemail'::text, 'ai'::text])", name="voice_settings_mode_check"),
    CheckConstraint('ring_seconds >= 5 AND ring_seconds <= 60', name="voice_settings_ring_seconds_check"),
    CheckConstraint('length(voice_id) >= 1 AND length(voice_id) <= 100', name="voice_settings_voice_id_check"),
)
