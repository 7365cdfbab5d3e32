"""/api/v1 escalations: a client's queue, claimed and resolved by a team member; and the
claim link texted to a team member, taken or closed over the API.

A link's token is the credential (rules.ClaimLink). Whichever way a claim comes (link or
queue), one statement in escalation decides: exactly one person ever gets the lead; the
others get 409 and who has it."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.adapters.services import Refused
from gateway.domain.rules import ClaimLink, OnClient
from gateway.entrypoints.dependencies import DEFAULT_PAGE, CallerDep, Cursor, Gateway, GatewayDep, Limit
from gateway.entrypoints.route_table import RouteTable
from revgen_common.contracts.permissions import Permission
from revgen_common.pagination import Page

table = RouteTable(prefix="/api/v1", tags=["escalations"])
Token = Annotated[str, Path(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


class Claimed(BaseModel):
    status: str
    escalation_id: uuid.UUID
    lead_phone: str


class Resolved(BaseModel):
    status: str


class ClaimRefused(BaseModel):
    error: str
    owner: str | None = None
    status: str | None = None


class Escalation(BaseModel):
    id: uuid.UUID
    lead_phone: str
    lead_name: str | None
    reason: str
    status: str = Field(description="pending (nobody has it), claimed, resolved, expired or withdrawn (opted out)")
    claimed_by: str | None
    owner_name: str | None
    claimed_at: datetime | None
    due_at: datetime | None
    created_at: datetime


QUEUE_REFUSALS = {403: {"description": "not on the client's team (only its members take its leads)"},
                  409: {"model": ClaimRefused}}


@table.get("/clients/{client_id}/escalations", rule=OnClient(Permission.LEADS_READ), response_model=Page[Escalation])
async def queue(client_id: uuid.UUID, gw: GatewayDep, show: Literal["open", "all"] = "open",
                limit: Limit = DEFAULT_PAGE, cursor: Cursor = None):
    """The client's escalations newest first: the open queue (pending or claimed), or all."""
    return (await gw.escalation.json("GET", f"/clients/{client_id}/escalations",
                                     params={"show": show, "limit": limit, "cursor": cursor}))[1]


@table.post("/clients/{client_id}/escalations/{escalation_id}/claim", rule=OnClient(Permission.ESCALATIONS_CLAIM),
            response_model=Claimed, responses=QUEUE_REFUSALS)
async def claim_from_queue(client_id: uuid.UUID, escalation_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    """Take the lead yourself."""
    return await _answer(gw, f"/clients/{client_id}/escalations/{escalation_id}/claim", caller.person_id)


@table.post("/clients/{client_id}/escalations/{escalation_id}/resolve", rule=OnClient(Permission.ESCALATIONS_CLAIM),
            response_model=Resolved, responses=QUEUE_REFUSALS)
async def resolve_from_queue(client_id: uuid.UUID, escalation_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    """Close an escalation you have."""
    return await _answer(gw, f"/clients/{client_id}/escalations/{escalation_id}/resolve", caller.person_id)


@table.post("/claims/{token}", rule=ClaimLink(), response_model=Claimed,
            responses={404: {"description": "no such link"}, 409: {"model": ClaimRefused}})
async def claim(token: Token, gw: GatewayDep):
    """Take the lead."""
    return await _answer(gw, f"/claim/{token}")


@table.post("/claims/{token}/resolve", rule=ClaimLink(), response_model=Resolved,
            responses={409: {"model": ClaimRefused}})
async def resolve(token: Token, gw: GatewayDep):
    """The owner closes the escalation."""
    return await _answer(gw, f"/claim/{token}/resolve")


async def _answer(gw: Gateway, path: str, person_id: str | None = None):
    try:
        return (await gw.escalation.json("POST", path, json={"person_id": person_id} if person_id else None))[1]
    except Refused as refused:
        if refused.status != 409:
            raise
        return JSONResponse(ClaimRefused(error=refused.reason, owner=refused.body.get("owner"),
                                         status=refused.body.get("status")).model_dump(), status_code=409)
