"""/api/v1 commands about a client's leads, passed to messaging once the caller's permission
on the client is settled: mark a lead do-not-contact or clear it (audited with the caller),
ask the team to call a lead back at a time, schedule a message to a lead, and follow-ups for
chosen leads (those who opted out or are marked do-not-contact are refused, and counted)."""
from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.rules import OnClient
from gateway.entrypoints.dependencies import CallerDep, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from revgen_common.api_input import Flag, IsoDateTime
from revgen_common.contracts.permissions import Permission

table = RouteTable(prefix="/api/v1", tags=["leads"])
YourId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$",
                              description="yours: the same id does it once")]
Template = Annotated[str, Field(min_length=1, max_length=1600,
                                description="{name} and {business} are filled in per lead")]


class DoNotContact(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"do_not_contact": True}]})
    do_not_contact: Flag = Field(description="true: nothing is sent to the lead by any path until cleared")


class DoNotContactSet(BaseModel):
    lead_id: uuid.UUID
    do_not_contact: bool
    changed: bool = Field(description="false when it already was so (nothing audited, nothing announced)")


class Callback(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "callback_id": "cb-2026-12-07-0001", "due_at": "2026-12-07T15:30:00-05:00", "note": "about the quote"}]})
    callback_id: YourId
    due_at: IsoDateTime = Field(description="when to call, with its offset; not in the past")
    note: str = Field(default="", max_length=500)


class CallbackRequested(BaseModel):
    callback_id: str
    due_at: str
    status: str


class Scheduled(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "schedule_id": "sched-2026-12-07-0001", "body": "Reminder: we come by tomorrow at 9.",
        "due_at": "2026-12-07T18:00:00-05:00"}]})
    schedule_id: YourId
    body: str = Field(min_length=1, max_length=1600)
    due_at: IsoDateTime = Field(description="when to send, with its offset; quiet hours still hold it back")


class ScheduledAccepted(BaseModel):
    schedule_id: str
    due_at: str
    status: str


class Waiting(BaseModel):
    id: uuid.UUID
    body: str
    purpose: str
    due_at: str
    status: str


class WaitingList(BaseModel):
    data: list[Waiting]


class FollowUps(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "request_id": "follow-ups-2026-12-07", "template": "Hi {name}, it's {business}: still need a hand?",
        "lead_ids": ["0b7c56a8-3f1e-4d38-9a57-8b2f0c3e5d11"]}]})
    request_id: YourId
    template: Template
    lead_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)
    due_at: IsoDateTime | None = Field(default=None, description="when to send them; now if left out")


class FollowUpsScheduled(BaseModel):
    request_id: str
    scheduled: int = Field(description="scheduled now")
    already_scheduled: int = Field(description="this request had scheduled them before")
    refused: list[uuid.UUID] = Field(description="leads who opted out or are marked do-not-contact")
    unknown: int = Field(description="ids that are not leads of this client")


def _lead(client_id: uuid.UUID, lead_id: uuid.UUID, tail: str) -> str:
    return f"/clients/{client_id}/leads/{lead_id}/{tail}"


@table.put("/clients/{client_id}/leads/{lead_id}/do-not-contact", rule=OnClient(Permission.LEADS_MANAGE),
           response_model=DoNotContactSet)
async def set_do_not_contact(client_id: uuid.UUID, lead_id: uuid.UUID, body: DoNotContact, gw: GatewayDep,
                             caller: CallerDep):
    """Mark the lead do-not-contact, or clear the mark; the audit log names you."""
    return (await gw.messaging.json("PUT", _lead(client_id, lead_id, "do-not-contact"), json={
        "do_not_contact": body.do_not_contact, "person_id": caller.person_id}))[1]


@table.post("/clients/{client_id}/leads/{lead_id}/callbacks", rule=OnClient(Permission.LEADS_MANAGE),
            status_code=202, response_model=CallbackRequested,
            responses={409: {"description": "the lead opted out or is marked do-not-contact"}})
async def request_callback(client_id: uuid.UUID, lead_id: uuid.UUID, body: Callback, gw: GatewayDep):
    """Ask the team to call the lead back at a time: an escalation with that due time."""
    return (await gw.messaging.json("POST", _lead(client_id, lead_id, "callbacks"),
                                    json=body.model_dump(mode="json")))[1]


@table.post("/clients/{client_id}/leads/{lead_id}/scheduled-messages", rule=OnClient(Permission.LEADS_MANAGE),
            status_code=202, response_model=ScheduledAccepted,
            responses={409: {"description": "the lead opted out or is marked do-not-contact"}})
async def schedule_message(client_id: uuid.UUID, lead_id: uuid.UUID, body: Scheduled, gw: GatewayDep):
    """Text the lead at a time."""
    return (await gw.messaging.json("POST", _lead(client_id, lead_id, "scheduled-messages"),
                                    json=body.model_dump(mode="json")))[1]


@table.get("/clients/{client_id}/leads/{lead_id}/scheduled-messages", rule=OnClient(Permission.LEADS_READ),
           response_model=WaitingList)
async def scheduled_messages(client_id: uuid.UUID, lead_id: uuid.UUID, gw: GatewayDep):
    """The lead's messages waiting for their time, soonest first."""
    return (await gw.messaging.json("GET", _lead(client_id, lead_id, "scheduled-messages")))[1]


@table.post("/clients/{client_id}/follow-ups", rule=OnClient(Permission.LEADS_MANAGE), response_model=FollowUpsScheduled)
async def follow_ups(client_id: uuid.UUID, body: FollowUps, gw: GatewayDep):
    """Send follow-ups to the chosen leads, once per (request, lead)."""
    return await schedule_follow_ups(gw, client_id, body)


async def schedule_follow_ups(gw: Gateway, client_id: uuid.UUID, body: FollowUps) -> dict:
    done = (await gw.messaging.json("POST", f"/clients/{client_id}/automations/follow-ups", json={
        "run_id": body.request_id, "template": body.template, "lead_ids": [str(i) for i in body.lead_ids],
        "due_at": body.due_at.isoformat() if body.due_at else None}))[1]
    return {"request_id": body.request_id, "scheduled": done["queued"], "already_scheduled": done["already_queued"],
            "refused": done["refused"], "unknown": done["unknown"]}
