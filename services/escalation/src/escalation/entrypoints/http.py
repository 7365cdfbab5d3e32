"""The claim links team members tap, the admin UI's queue (read, claim and resolve as a
person the gateway has authorized), and health."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from escalation.service_layer.escalations import ClaimRefused, Escalations, NotOnTheTeam, UnknownEscalation, UnknownLink
from escalation.service_layer.queue_views import QueueViews
from revgen_common.api_errors import INPUT_ERRORS, documented, error_response, install_error_handling
from revgen_common.api_input import InputModel, Line
from revgen_common.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT, InvalidCursor

router = APIRouter(responses=INPUT_ERRORS)
Token = Annotated[str, Line(100)]


async def escalations(request: Request) -> Escalations:
    return request.app.state.escalations


EscalationsDep = Annotated[Escalations, Depends(escalations)]


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


@router.post("/claim/{token}", responses={**documented(404), 409: {"model": ClaimRefusal}})
async def claim(token: Token, escalations: EscalationsDep) -> dict:
    """Take the lead. Exactly one person ever gets 'it's yours'; the others get 409 and the owner."""
    claimed = await escalations.claim(token)
    return {"status": "claimed", "escalation_id": str(claimed.escalation_id), "lead_phone": claimed.lead_phone}


@router.post("/claim/{token}/resolve", responses={**documented(404), 409: {"model": ClaimRefusal}})
async def resolve(token: Token, escalations: EscalationsDep) -> dict:
    """The owner closes the escalation."""
    await escalations.resolve(token)
    return {"status": "resolved"}


@router.get("/claim/{token}", responses=documented(404))
async def link(token: Token, views: ViewsDep) -> dict:
    """What a claim link is about, without claiming (a GET never claims)."""
    return await views.link(token)


@router.get("/clients/{client_id}/escalations")
async def queue(client_id: ClientId, views: ViewsDep, show: Literal["open", "all"] = "open",
                limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict:
    """The client's escalations newest first: the open ones (pending or claimed), or all."""
    return await views.queue(client_id, show == "open", limit, cursor)


@router.post("/clients/{client_id}/escalations/{escalation_id}/claim",
             responses={**documented(403, 404), 409: {"model": ClaimRefusal}})
async def claim_as(client_id: ClientId, escalation_id: uuid.UUID, body: AsPerson,
                   escalations: EscalationsDep) -> dict:
    """A team member takes the lead from the admin UI; one winner, whatever races it."""
    claimed = await escalations.claim_as(client_id, escalation_id, body.person_id)
    return {"status": "claimed", "escalation_id": str(claimed.escalation_id), "lead_phone": claimed.lead_phone}


@router.post("/clients/{client_id}/escalations/{escalation_id}/resolve",
             responses={**documented(404), 409: {"model": ClaimRefusal}})
async def resolve_as(client_id: ClientId, escalation_id: uuid.UUID, body: AsPerson,
                     escalations: EscalationsDep) -> dict:
    """The one who has it closes it."""
    await escalations.resolve_as(client_id, escalation_id, body.person_id)
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
