"""/api/v1 messaging: a client's profile, usage, lead outcomes and automation runs, proxied
to messaging with its credential once the caller's permission on the client is settled."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.rules import OnClient
from gateway.entrypoints.dependencies import GatewayDep
from gateway.entrypoints.route_table import RouteTable
from revgen_common.contracts.permissions import Permission
from revgen_common.phones import E164

table = RouteTable(prefix="/api/v1", tags=["messaging"])


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "business_name": "Ace Plumbing", "timezone": "America/New_York",
        "business_hours": {"0": [["08:00", "18:00"]], "5": [["09:00", "13:00"]]}, "quiet_start": "21:00",
        "quiet_end": "08:00", "monthly_limit": 2000, "owner_phone": "+14155550100", "numbers": ["+14155550199"]}]})
    business_name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(default="America/New_York", max_length=64,
                          description="an IANA zone; messaging refuses one it does not know (422)")
    business_hours: dict[Annotated[int, Field(ge=0, le=6)], list[tuple[time, time]]] = Field(
        default_factory=dict, description="weekday (0 = Monday) to opening spans")
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    persona: str = Field(default="", max_length=4000)
    knowledge: str = Field(default="", max_length=20000)
    monthly_limit: int = Field(default=2000, ge=0, le=10_000_000)
    owner_phone: E164 | None = None
    owner_email: str | None = Field(default=None, max_length=254,
                                    description="the daily summary goes here when there is no owner phone")
    numbers: list[E164] = Field(default_factory=list, max_length=100)


class Saved(BaseModel):
    client_id: str
    status: str


class DayFigures(BaseModel):
    inbound: int
    outbound: int
    new_leads: int
    answered: int
    first_reply_seconds: float | None


class Usage(BaseModel):
    client_id: str
    month: str
    sent: int
    limit: int
    day: date
    figures: DayFigures


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"outcome": "won", "job_value_cents": 45000}]})
    outcome: Literal["open", "won", "lost"]
    job_value_cents: int | None = Field(default=None, ge=0, le=1_000_000_000)


class OutcomeRecorded(BaseModel):
    lead_id: str
    outcome: str


class Run(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "run_id": "win-back-2026-11", "template": "Hi from Ace! It has been a while: 10% off this month.",
        "inactive_days": 90}]})
    run_id: str = Field(min_length=1, max_length=100)
    template: str = Field(min_length=1, max_length=1600)
    inactive_days: int = Field(default=90, ge=0, le=3650)
    lead_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10000)
    due_at: datetime | None = None


class Queued(BaseModel):
    run_id: str
    queued: int


@table.put("/clients/{client_id}/profile", rule=OnClient(Permission.CLIENT_UPDATE), response_model=Saved)
async def set_profile(client_id: uuid.UUID, body: Profile, gw: GatewayDep):
    """Replace the client's messaging profile: numbers, zone, business and quiet hours, assistant."""
    return (await gw.messaging.json("PUT", f"/clients/{client_id}/profile", json=body.model_dump(mode="json")))[1]


@table.get("/clients/{client_id}/usage", rule=OnClient(Permission.LEADS_READ), response_model=Usage)
async def usage(client_id: uuid.UUID, gw: GatewayDep, day: date | None = None):
    """Messages sent this month against the limit, and one day's figures (today where the client is)."""
    params = {"day": day.isoformat() if day else None}
    return (await gw.messaging.json("GET", f"/clients/{client_id}/usage", params=params))[1]


@table.post("/clients/{client_id}/leads/{lead_id}/outcome", rule=OnClient(Permission.LEADS_MANAGE),
            response_model=OutcomeRecorded)
async def record_outcome(client_id: uuid.UUID, lead_id: uuid.UUID, body: Outcome, gw: GatewayDep):
    """Record whether a lead was won (and for how much) or lost."""
    return (await gw.messaging.json("POST", f"/clients/{client_id}/leads/{lead_id}/outcome",
                                    json=body.model_dump()))[1]


@table.post("/clients/{client_id}/automations/{kind}", rule=OnClient(Permission.CLIENT_UPDATE),
            response_model=Queued)
async def run_automation(client_id: uuid.UUID, kind: Annotated[Literal["win-back", "no-show", "follow-ups"], Path()],
                         body: Run, gw: GatewayDep):
    """Queue a run over many leads; the same run id never texts a lead twice."""
    return (await gw.messaging.json("POST", f"/clients/{client_id}/automations/{kind}",
                                    json=body.model_dump(mode="json")))[1]
