"""Messaging's read side for the admin gateway: a client's profile, its leads newest first,
one lead's conversation; and a reply sent by hand."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from messaging.entrypoints.answers import Conversation, Lead, LeadListed, Profile, ReplyQueued
from messaging.entrypoints.http import ClientId, Messaging
from revgen_common.api_errors import INPUT_ERRORS, documented
from revgen_common.api_input import InputModel, Line, Text
from revgen_common.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT, Page

router = APIRouter(responses=INPUT_ERRORS)
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS)]
ReplyId = Annotated[str, Line(100), Field(pattern=r"^[A-Za-z0-9_-]+$")]


class ReplyIn(InputModel):
    reply_id: ReplyId
    body: Annotated[str, Text(1600, min_length=1)]


@router.get("/clients/{client_id}/profile", response_model=Profile, responses=documented(404))
async def get_profile(client_id: ClientId, messaging: Messaging):
    """The client's messaging profile: numbers, zone, business and quiet hours, assistant."""
    return await messaging.lead_views.profile(client_id)


@router.get("/clients/{client_id}/leads", response_model=Page[LeadListed])
async def list_leads(client_id: ClientId, messaging: Messaging, limit: Limit = DEFAULT_LIMIT,
                     cursor: Cursor = None):
    """The client's leads, newest first, a page at a time."""
    return await messaging.lead_views.leads(client_id, limit, cursor)


@router.get("/clients/{client_id}/leads/{lead_id}", response_model=Lead, responses=documented(404))
async def get_lead(client_id: ClientId, lead_id: uuid.UUID, messaging: Messaging):
    """One lead, with whether it opted out."""
    return await messaging.lead_views.lead(client_id, lead_id)


@router.get("/clients/{client_id}/leads/{lead_id}/messages", response_model=Conversation, responses=documented(404))
async def conversation(client_id: ClientId, lead_id: uuid.UUID, messaging: Messaging, limit: Limit = DEFAULT_LIMIT,
                       cursor: Cursor = None):
    """The conversation newest first, each outbound message with its delivery state; on the
    first page, the sends not out yet (waiting, blocked or canceled) and the lead's calls."""
    return await messaging.lead_views.conversation(client_id, lead_id, limit, cursor)


@router.post("/clients/{client_id}/leads/{lead_id}/replies", status_code=202, response_model=ReplyQueued,
             responses=documented(404))
async def reply(client_id: ClientId, lead_id: uuid.UUID, body: ReplyIn, messaging: Messaging):
    """Queue a reply written by a person; the same reply_id is queued once."""
    return await messaging.lead_views.reply(client_id, lead_id, body.reply_id, body.body)
