"""/api/v1 reviews (services/reputation, ADR 0019): a client's review sources, its reviews, the
replies the AI drafted, approved (maybe edited) or rejected by a person, and the start of a
Google consent. Reading needs leads:read on the client; deciding and connecting client:update.
The consent comes back through the browser to /oauth/google/callback (ui/review_pages.py),
for the person who started it only."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.rules import OnClient
from gateway.entrypoints.dependencies import DEFAULT_PAGE, CallerDep, Cursor, GatewayDep, Limit
from gateway.entrypoints.route_table import RouteTable
from revgen_common.contracts.permissions import Permission
from revgen_common.pagination import Page

table = RouteTable(prefix="/api/v1", tags=["reviews"])
READ = OnClient(Permission.LEADS_READ)
DECIDE = OnClient(Permission.CLIENT_UPDATE)
DECISION_REFUSALS = {404: {"description": "no such draft for this client"},
                     409: {"description": "the draft was approved or rejected before"}}


class Source(BaseModel):
    source: Literal["google", "facebook"]
    external_id: str = Field(description="Google's location name or Facebook's page id")
    status: str = Field(description="connected, or needs_reauthorisation (the owner must connect it again)")
    lost_reason: str | None
    last_polled_at: datetime | None
    created_at: datetime


class Review(BaseModel):
    source: str
    review_id: str
    rating: int
    author: str | None
    text: str | None
    reviewed_at: datetime


class Draft(BaseModel):
    draft_id: uuid.UUID
    source: str
    review_id: str
    text: str = Field(description="the reply as drafted (or as approved)")
    status: str
    rating: int
    author: str | None
    review_text: str | None
    decided_by: str | None
    decided_at: datetime | None
    posted_at: datetime | None
    created_at: datetime


class Sources(BaseModel):
    data: list[Source]


class Decided(BaseModel):
    status: str


class GoogleConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"location": "accounts/111/locations/222"}]})
    location: Annotated[str, Field(pattern=r"^accounts/[0-9]{1,30}/locations/[0-9]{1,30}$",
                                   description="accounts/{account}/locations/{location}")]


class GoogleConsent(BaseModel):
    url: str = Field(description="send the person who asked here; Google brings them back to /oauth/google/callback")
    expires_at: datetime


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": "Thank you, Ana!"}]})
    text: Annotated[str | None, Field(min_length=1, max_length=4000,
                                      description="the reply as edited; omit to post the draft as it is")] = None


@table.get("/clients/{client_id}/review-sources", rule=READ, response_model=Sources)
async def sources(client_id: uuid.UUID, gw: GatewayDep):
    """The client's review sources: connected, or waiting to be connected again."""
    return (await gw.reputation.json("GET", f"/clients/{client_id}/connections"))[1]


@table.get("/clients/{client_id}/reviews", rule=READ, response_model=Page[Review])
async def reviews(client_id: uuid.UUID, gw: GatewayDep, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None):
    """The client's reviews, newest first."""
    return (await gw.reputation.json("GET", f"/clients/{client_id}/reviews",
                                     params={"limit": limit, "cursor": cursor}))[1]


@table.get("/clients/{client_id}/reply-drafts", rule=READ, response_model=Page[Draft])
async def drafts(client_id: uuid.UUID, gw: GatewayDep,
                 status: Literal["drafted", "approved", "rejected", "posted"] = "drafted",
                 limit: Limit = DEFAULT_PAGE, cursor: Cursor = None):
    """Replies the AI drafted, oldest first: those waiting for a person by default."""
    return (await gw.reputation.json("GET", f"/clients/{client_id}/reply-drafts",
                                     params={"status": status, "limit": limit, "cursor": cursor}))[1]


@table.post("/clients/{client_id}/reply-drafts/{draft_id}/approve", rule=DECIDE, response_model=Decided,
            responses=DECISION_REFUSALS)
async def approve(client_id: uuid.UUID, draft_id: uuid.UUID, body: ApprovalIn, gw: GatewayDep, caller: CallerDep):
    """Approve the reply (with your edit): it is posted to its source, once."""
    payload = {"person_id": caller.person_id} | ({"text": body.text} if body.text is not None else {})
    return (await gw.reputation.json("POST", f"/clients/{client_id}/reply-drafts/{draft_id}/approve",
                                     json=payload))[1]


@table.post("/clients/{client_id}/reply-drafts/{draft_id}/reject", rule=DECIDE, response_model=Decided,
            responses=DECISION_REFUSALS)
async def reject(client_id: uuid.UUID, draft_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    """Reject the reply: nothing is posted."""
    return (await gw.reputation.json("POST", f"/clients/{client_id}/reply-drafts/{draft_id}/reject",
                                     json={"person_id": caller.person_id}))[1]


@table.post("/clients/{client_id}/review-sources/google/consent", rule=DECIDE, response_model=GoogleConsent)
async def google_consent(client_id: uuid.UUID, body: GoogleConsentIn, gw: GatewayDep, caller: CallerDep):
    """Start connecting the client's Google Business Profile location, as yourself."""
    return (await gw.reputation.json("POST", f"/clients/{client_id}/google/consent",
                                     json={"location": body.location, "requested_by": caller.person_id}))[1]
