"""Reputation's internal API (through the gateway): connecting a client's sources, its
reviews, and the replies the AI drafted, to approve (maybe edited) or reject. Google's OAuth
callback is public: the browser comes back to it from Google, and its `state` is the credential."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import Field

from reputation.adapters import connections_table, reviews_table
from reputation.service_layer.connecting import Connecting, ConsentDenied, ForgedCallback
from reputation.service_layer.replies import Replies
from revgen_common.api_dependencies import DbConnection
from revgen_common.api_errors import INPUT_ERRORS, documented, error_response, install_error_handling
from revgen_common.api_input import InputModel, Line, Text
from revgen_common.api_output import OutputModel
from revgen_common.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT, InvalidCursor, Page

router = APIRouter(responses=INPUT_ERRORS)
ClientId = Annotated[str, Line(100)]
PersonId = Annotated[str, Line(100)]
# Google Business Profile's name of a location: accounts/{account}/locations/{location}.
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]
Location = Annotated[str, Field(pattern=r"^accounts/[0-9]{1,30}/locations/[0-9]{1,30}$")]


async def connecting(request: Request) -> Connecting:
    return request.app.state.connecting


async def replies(request: Request) -> Replies:
    return request.app.state.replies


ConnectingDep = Annotated[Connecting, Depends(connecting)]
RepliesDep = Annotated[Replies, Depends(replies)]


class GoogleConsentIn(InputModel):
    location: Location
    requested_by: PersonId  # the person sent to Google (the gateway's session)


class FacebookPageIn(InputModel):
    page_id: Annotated[str, Field(pattern=r"^[0-9]{1,30}$")]
    page_access_token: Annotated[str, Line(1000)]


class ApprovalIn(InputModel):
    person_id: PersonId
    text: Annotated[str, Text(4000, min_length=1)] | None = None  # the reply as edited; None: the draft as it is


class RejectionIn(InputModel):
    person_id: PersonId


class GoogleConsent(OutputModel):
    url: str = Field(description="Google's consent page, for the person who asked")
    expires_at: datetime


class Connected(OutputModel):
    client_id: str
    source: Literal["google", "facebook"]
    connection_id: uuid.UUID
    status: Literal["connected"]


class GoogleConnected(Connected):
    location: str


class Connection(OutputModel):
    source: Literal["google", "facebook"]
    connection_id: uuid.UUID
    external_id: str = Field(description="Google's location name or Facebook's page id")
    status: str = Field(description="connected, or needs_reauthorisation")
    expires_at: datetime | None
    last_polled_at: datetime | None
    lost_reason: str | None
    created_at: datetime


class Connections(OutputModel):
    data: list[Connection]


class Review(OutputModel):
    source: str
    review_id: str
    rating: int
    author: str
    text: str
    reviewed_at: datetime
    received_at: datetime


class Draft(OutputModel):
    draft_id: uuid.UUID
    client_id: str
    source: str
    review_id: str
    text: str = Field(description="the reply as drafted (or as approved)")
    status: Literal["drafted", "approved", "rejected", "posted"]
    decided_by: str | None
    decided_at: datetime | None
    posted_at: datetime | None
    created_at: datetime
    rating: int
    author: str
    review_text: str


@router.post("/clients/{client_id}/google/consent", response_model=GoogleConsent)
async def google_consent(client_id: ClientId, body: GoogleConsentIn, connecting: ConnectingDep):
    """The URL to send the client's owner to, to let RevGen read and answer the location's reviews."""
    return await connecting.google_consent(client_id, body.location, body.requested_by)


@router.get("/oauth/google/callback", response_model=GoogleConnected, responses=documented(400))
async def google_callback(connecting: ConnectingDep, state: Annotated[str, Query(pattern=r"^[A-Za-z0-9_-]{1,200}$")],
                          code: Annotated[str | None, Query(pattern=r"^[\x21-\x7e]{1,2000}$")] = None,
                          error: Annotated[str | None, Query(pattern=r"^[a-z_]{1,100}$")] = None,
                          requested_by: Annotated[str | None, Query(min_length=1, max_length=100)] = None):
    """Where Google sends the owner back: the state must be a consent we started, unused
    (and, when the gateway names who came back, started by that person)."""
    return await connecting.google_callback(state, code, error, requested_by)


@router.put("/clients/{client_id}/facebook", response_model=Connected)
async def facebook_page(client_id: ClientId, body: FacebookPageIn, connecting: ConnectingDep):
    """Connect the client's Facebook page by its page access token."""
    return await connecting.facebook_page(client_id, body.page_id, body.page_access_token)


@router.get("/clients/{client_id}/connections", response_model=Connections)
async def connections(client_id: ClientId, db: DbConnection):
    """The client's sources: connected, or waiting for the owner to connect them again."""
    return {"data": await connections_table.of_client(db, client_id)}


@router.get("/clients/{client_id}/reviews", response_model=Page[Review])
async def reviews(client_id: ClientId, db: DbConnection, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None):
    """The client's latest reviews, newest first, a keyset page at a time."""
    return await reviews_table.recent_reviews(db, client_id, limit, cursor)


@router.get("/clients/{client_id}/reply-drafts", response_model=Page[Draft])
async def drafts(client_id: ClientId, replies: RepliesDep,
                 status: Literal["drafted", "approved", "rejected", "posted"] = "drafted",
                 limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None):
    """Replies the AI drafted, oldest first: those waiting for a person by default."""
    return await replies.drafts(client_id, status, limit, cursor)


@router.post("/clients/{client_id}/reply-drafts/{draft_id}/approve", response_model=Draft,
             responses=documented(404, 409))
async def approve(client_id: ClientId, draft_id: uuid.UUID, body: ApprovalIn, replies: RepliesDep):
    """Approve the draft (with the text as edited): it is posted to its source, once."""
    return await replies.approve(client_id, draft_id, body.person_id, body.text)


@router.post("/clients/{client_id}/reply-drafts/{draft_id}/reject", response_model=Draft,
             responses=documented(404, 409))
async def reject(client_id: ClientId, draft_id: uuid.UUID, body: RejectionIn, replies: RepliesDep):
    """Reject the draft: nothing is posted."""
    return await replies.reject(client_id, draft_id, body.person_id)


def install_error_handlers(app: FastAPI) -> None:
    install_error_handling(app, {ForgedCallback: 400, ConsentDenied: 400,
                                 InvalidCursor: lambda e: error_response(400, "invalid request", [("query.cursor", str(e))])})
