"""/api/v1 leads: a client's leads newest first, one lead's conversation with each message's
delivery state, a reply sent by hand, and the client's messaging profile, from messaging."""
from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.rules import OnClient
from gateway.entrypoints.dependencies import DEFAULT_PAGE, Cursor, GatewayDep, Limit
from gateway.entrypoints.route_table import RouteTable
from revgen_common.contracts.permissions import Permission
from revgen_common.pagination import Page

table = RouteTable(prefix="/api/v1", tags=["leads"])


class Lead(BaseModel):
    id: uuid.UUID
    phone: str
    name: str | None
    source: str
    status: str
    do_not_contact: bool
    last_inbound_at: datetime | None
    answered_at: datetime | None
    created_at: datetime


class LeadDetail(Lead):
    job_value_cents: int | None
    client_number: str | None
    opted_out: bool = Field(description="the lead texted STOP (or a carrier said so): nothing is sent to them")


class Message(BaseModel):
    id: int
    direction: str = Field(description="in: from the lead; out: to the lead")
    body: str
    at: datetime
    delivery: str | None = Field(description="an outbound message's state: queued, sent, delivered, undelivered, failed")
    error_code: int | None


class Unsent(BaseModel):
    send_id: uuid.UUID
    body: str
    purpose: str
    status: str = Field(description="pending, deferred (quiet hours), claimed, blocked or canceled")
    reason: str | None
    not_before: datetime | None


class Conversation(Page[Message]):
    unsent: list[Unsent] = Field(description="sends not out yet or never sent (first page only)")


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "reply_id": "reply-2026-11-28-0001", "body": "Hi! This is Ace Plumbing: we can come by at 3 pm today."}]})
    reply_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$",
                          description="yours: the same id queues the reply once")
    body: str = Field(min_length=1, max_length=1600)


class ReplyQueued(BaseModel):
    send_id: uuid.UUID
    status: str


class SavedProfile(BaseModel):
    client_id: str
    business_name: str
    timezone: str
    business_hours: dict[str, list[list[str]]] = Field(description='weekday ("0" = Monday) to ["08:00", "18:00"] spans')
    quiet_start: str
    quiet_end: str
    persona: str
    knowledge: str
    monthly_limit: int
    owner_phone: str | None
    owner_email: str | None = None
    numbers: list[str]




@table.get("/clients/{client_id}/profile", rule=OnClient(Permission.CLIENT_READ), response_model=SavedProfile)
async def get_profile(client_id: uuid.UUID, gw: GatewayDep):
    """The client's messaging profile (404 until one is saved)."""
    return (await gw.messaging.json("GET", f"/clients/{client_id}/profile"))[1]


@table.get("/clients/{client_id}/leads", rule=OnClient(Permission.LEADS_READ), response_model=Page[Lead])
async def list_leads(client_id: uuid.UUID, gw: GatewayDep, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None):
    """The client's leads, newest first."""
    return (await gw.messaging.json("GET", f"/clients/{client_id}/leads",
                                    params={"limit": limit, "cursor": cursor}))[1]


@table.get("/clients/{client_id}/leads/{lead_id}", rule=OnClient(Permission.LEADS_READ), response_model=LeadDetail)
async def get_lead(client_id: uuid.UUID, lead_id: uuid.UUID, gw: GatewayDep):
    """One lead, with whether it opted out."""
    return (await gw.messaging.json("GET", f"/clients/{client_id}/leads/{lead_id}"))[1]


@table.get("/clients/{client_id}/leads/{lead_id}/messages", rule=OnClient(Permission.LEADS_READ),
           response_model=Conversation)
async def conversation(client_id: uuid.UUID, lead_id: uuid.UUID, gw: GatewayDep, limit: Limit = DEFAULT_PAGE,
                       cursor: Cursor = None):
    """The conversation newest first, each outbound message with its delivery state."""
    return (await gw.messaging.json("GET", f"/clients/{client_id}/leads/{lead_id}/messages",
                                    params={"limit": limit, "cursor": cursor}))[1]


@table.post("/clients/{client_id}/leads/{lead_id}/replies", rule=OnClient(Permission.LEADS_MANAGE), status_code=202,
            response_model=ReplyQueued)
async def reply(client_id: uuid.UUID, lead_id: uuid.UUID, body: Reply, gw: GatewayDep):
    """Send the lead a reply written by hand (an opted-out lead's is blocked, and shows so)."""
    return (await gw.messaging.json("POST", f"/clients/{client_id}/leads/{lead_id}/replies",
                                    json=body.model_dump()))[1]
