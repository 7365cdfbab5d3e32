"""The shapes of messaging's answers, as its OpenAPI document shows them (http, leads and
lead_commands). The read side writes its moments as ISO 8601 text itself, so they stay as
written (MomentText)."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from revgen_common.api_output import MomentText, OutputModel

# [start, end], HH:MM (a list: a tuple's prefixItems are not a schema the fuzzing's validator reads).
Span = Annotated[list[str], Field(min_length=2, max_length=2)]


class Profile(OutputModel):
    client_id: str
    business_name: str
    timezone: str
    business_hours: dict[str, list[Span]] = Field(description="weekday (0 Monday) to its spans")
    quiet_start: str = Field(description="HH:MM, the client's time")
    quiet_end: str
    persona: str
    knowledge: str
    monthly_limit: int
    owner_phone: str | None
    owner_email: str | None
    numbers: list[str]


class Saved(OutputModel):
    client_id: str
    status: Literal["saved"]


class Released(OutputModel):
    number: str
    status: Literal["released"]


class OutcomeRecorded(OutputModel):
    lead_id: uuid.UUID
    outcome: Literal["open", "won", "lost"]


class RunQueued(OutputModel):
    run_id: str
    queued: int


class FollowUpsQueued(RunQueued):
    already_queued: int = Field(description="this run had queued them before")
    refused: list[uuid.UUID] = Field(description="leads who opted out or are marked do-not-contact")
    unknown: int = Field(description="ids that are not leads of this client")


class SummariesSent(OutputModel):
    day: date
    sent: int


class DayFigures(OutputModel):
    inbound: int
    outbound: int
    new_leads: int
    answered: int
    first_reply_seconds: float | None


class Usage(OutputModel):
    client_id: str
    month: str = Field(description="YYYY-MM")
    sent: int
    limit: int
    day: date
    figures: DayFigures


class LeadListed(OutputModel):
    id: uuid.UUID
    phone: str
    name: str | None
    source: str
    status: str
    do_not_contact: bool
    last_inbound_at: MomentText | None
    answered_at: MomentText | None
    created_at: MomentText


class Lead(OutputModel):
    id: uuid.UUID
    phone: str
    name: str | None
    source: str
    status: str
    job_value_cents: int | None
    do_not_contact: bool
    client_number: str | None
    last_inbound_at: MomentText | None
    answered_at: MomentText | None
    created_at: MomentText
    opted_out: bool


class Message(OutputModel):
    id: int
    direction: Literal["in", "out"]
    body: str
    at: MomentText
    delivery: str | None = Field(description="an outbound message's send status")
    error_code: int | None


class Unsent(OutputModel):
    send_id: uuid.UUID
    body: str
    purpose: str
    status: str = Field(description="pending, deferred, claimed, blocked or canceled")
    reason: str | None
    not_before: MomentText | None


class Call(OutputModel):
    call_sid: str
    outcome: str | None
    status: str | None
    duration_seconds: int | None
    answered_by: str | None
    ended_at: MomentText | None
    recording_url: str | None
    recording_seconds: int | None
    created_at: MomentText


class Conversation(OutputModel):
    data: list[Message]
    unsent: list[Unsent] = Field(description="on the first page only")
    calls: list[Call] = Field(description="on the first page only")
    next: str | None


class ReplyQueued(OutputModel):
    send_id: uuid.UUID
    status: str


class DoNotContactSet(OutputModel):
    lead_id: uuid.UUID
    do_not_contact: bool
    changed: bool = Field(description="false when it already was")


class CallbackRequested(OutputModel):
    callback_id: str
    due_at: MomentText
    status: Literal["requested"]


class MessageScheduled(OutputModel):
    schedule_id: str
    due_at: MomentText
    status: Literal["scheduled"]


class Waiting(OutputModel):
    id: uuid.UUID
    body: str
    purpose: str
    due_at: MomentText
    status: str


class WaitingList(OutputModel):
    data: list[Waiting]
