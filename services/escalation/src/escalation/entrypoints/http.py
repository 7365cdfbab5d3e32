"""The claim links team members tap, the admin UI's queue (read, claim and resolve as a
person the gateway has authorized), and health."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from escalation.service_layer.claims import ClaimRefused, Claims, NotOnTheTeam, UnknownEscalation, UnknownLink
from escalation.service_layer.queue_views import QueueViews
from revgen_common.api_errors import INPUT_ERRORS, documented, error_response, install_error_handling
from revgen_common.api_input import InputModel, Line
from revgen_common.api_output import MomentText, OutputModel
from revgen_common.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT, InvalidCursor, Page

router = APIRouter(responses=INPUT_ERRORS)
Token = Annotated[str, Line(100)]


async def claims(request: Request) -> Claims:
    return request.app.state.claims


ClaimsDep = Annotated[Claims, Depends(claims)]


async def queue_views(request: Request) -> QueueViews:
    return request.app.state.queue_views


ViewsDep = Annotated[QueueViews, Depends(queue_views)]
ClientId = Annotated[str, Line(100)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]


class AsPerson(InputModel):
    """Who acts: the gateway has already asked identity that they may."""
    person_id: Annotated[str, Line(100)]


class ClaimRefusal(BaseModel):
    """409: someone else has it (`owner`), or it is no longer open (`status`)."""
    error: str
    owner: str | None
    status: str


class Claimed(OutputModel):
    status: Literal["claimed"]
    escalation_id: str
    lead_phone: str


class Resolved(OutputModel):
    status: Literal["resolved"]


class ClaimLink(OutputModel):
    escalation_id: str
    client_id: str
    lead_name: str | None
    reason: str
    status: str
    owner: str | None = Field(description="who has it, once claimed")
    yours: bool = Field(description="the link's person has it")
    lead_phone: str | None = Field(description="only to the one who has it")


class Escalation(OutputModel):
    """Its moments are ISO 8601 text as the queue writes them."""
    id: str
    lead_phone: str
    lead_name: str | None
    reason: str
    status: str = Field(description="pending, claimed, resolved …")
    claimed_by: str | None
    owner_name: str | None
    claimed_at: MomentText | None
    due_at: MomentText | None
    created_at: MomentText


@router.post("/claim/{token}", response_model=Claimed, responses={**documented(404), 409: {"model": ClaimRefusal}})
async def claim(token: Token, claims: ClaimsDep):
    """Take the lead. Exactly one person ever gets 'it's yours'; the others get 409 and the owner."""
    claimed = await claims.claim(token)
    return {"status": "claimed", "escalation_id": str(claimed.escalation_id), "lead_phone": claimed.lead_phone}


@router.post("/claim/{token}/resolve", response_model=Resolved,
             responses={**documented(404), 409: {"model": ClaimRefusal}})
async def resolve(token: Token, claims: ClaimsDep):
    """The owner closes the escalation."""
    await claims.resolve(token)
    return {"status": "resolved"}


@router.get("/claim/{token}", response_model=ClaimLink, responses=documented(404))
async def link(token: Token, views: ViewsDep):
    """What a claim link is about, without claiming (a GET never claims)."""
    return await views.link(token)


@router.get("/clients/{client_id}/escalations", response_model=Page[Escalation])
async def queue(client_id: ClientId, views: ViewsDep, show: Literal["open", "all"] = "open",
                limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None):
    """The client's escalations newest first: the open ones (pending or claimed), or all."""
    return await views.queue(client_id, show == "open", limit, cursor)


@router.post("/clients/{client_id}/escalations/{escalation_id}/claim", response_model=Claimed,
             responses={**documented(403, 404), 409: {"model": ClaimRefusal}})
async def claim_as(client_id: ClientId, escalation_id: uuid.UUID, body: AsPerson,
                   claims: ClaimsDep):
    """A team member takes the lead from the admin UI; one winner, whatever races it."""
    claimed = await claims.claim_as(client_id, escalation_id, body.person_id)
    return {"status": "claimed", "escalation_id": str(claimed.escalation_id), "lead_phone": claimed.lead_phone}


@router.post("/clients/{client_id}/escalations/{escalation_id}/resolve", response_model=Resolved,
             responses={**documented(404), 409: {"model": ClaimRefusal}})
async def resolve_as(client_id: ClientId, escalation_id: uuid.UUID, body: AsPerson,
                     claims: ClaimsDep):
    """The one who has it closes it."""
    await claims.resolve_as(client_id, escalation_id, body.person_id)
    return {"status": "resolved"}



def install_error_handlers(app: FastAPI) -> None:
    install_error_handling(app, {
        UnknownLink: lambda e: error_response(404, "unknown link"),
        UnknownEscalation: lambda e: error_response(404, "no such escalation"),
        NotOnTheTeam: lambda e: error_response(403, str(e)),
        InvalidCursor: lambda e: error_response(400, "invalid request", [("query.cursor", str(e))]),
        ClaimRefused: _claim_refused,
    })


def _claim_refused(e: Exception) -> JSONResponse:
    refused = cast(ClaimRefused, e)  # the table above sends only ClaimRefused here
    return JSONResponse({"error": str(refused), "owner": refused.owner_name, "status": refused.status}, status_code=409)
