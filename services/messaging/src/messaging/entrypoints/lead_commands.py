"""Commands about one client's leads, for the admin gateway (which has authorized the person):
the do-not-contact mark, a callback, a message scheduled by hand and the ones waiting."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from messaging.entrypoints.answers import CallbackRequested, DoNotContactSet, MessageScheduled, WaitingList
from messaging.entrypoints.http import ClientId, Messaging
from revgen_common.api_errors import INPUT_ERRORS, documented
from revgen_common.api_input import Flag, InputModel, IsoDateTime, Line, Text

router = APIRouter(responses=INPUT_ERRORS)
CallerId = Annotated[str, Line(100), Field(pattern=r"^[A-Za-z0-9_-]+$")]


class DoNotContactIn(InputModel):
    do_not_contact: Flag
    person_id: Annotated[str, Line(100)]  # who set or cleared it: the audit names them


class CallbackIn(InputModel):
    callback_id: CallerId
    due_at: IsoDateTime
    note: Annotated[str, Text(500)] = ""


class ScheduledIn(InputModel):
    schedule_id: CallerId
    body: Annotated[str, Text(1600, min_length=1)]
    due_at: IsoDateTime


@router.put("/clients/{client_id}/leads/{lead_id}/do-not-contact", response_model=DoNotContactSet,
            responses=documented(404))
async def set_do_not_contact(client_id: ClientId, lead_id: uuid.UUID, body: DoNotContactIn,
                             messaging: Messaging):
    """Mark the lead do-not-contact, or clear the mark; announced (and audited) only when it changes."""
    return await messaging.lead_commands.set_do_not_contact(client_id, lead_id, body.do_not_contact, body.person_id)


@router.post("/clients/{client_id}/leads/{lead_id}/callbacks", status_code=202, response_model=CallbackRequested,
             responses=documented(404, 409))
async def request_callback(client_id: ClientId, lead_id: uuid.UUID, body: CallbackIn, messaging: Messaging):
    """Ask the team to call the lead back at `due_at` (an escalation with that due time)."""
    return await messaging.lead_commands.request_callback(client_id, lead_id, body.callback_id, body.due_at, body.note)


@router.post("/clients/{client_id}/leads/{lead_id}/scheduled-messages", status_code=202,
             response_model=MessageScheduled, responses=documented(404, 409))
async def schedule_message(client_id: ClientId, lead_id: uuid.UUID, body: ScheduledIn, messaging: Messaging):
    """Text the lead at `due_at` (quiet hours still hold it back); the same schedule_id once."""
    return await messaging.lead_commands.schedule_message(client_id, lead_id, body.schedule_id, body.body,
                                                          body.due_at)


@router.get("/clients/{client_id}/leads/{lead_id}/scheduled-messages", response_model=WaitingList,
            responses=documented(404))
async def scheduled_messages(client_id: ClientId, lead_id: uuid.UUID, messaging: Messaging):
    """The lead's messages waiting for their time, soonest first."""
    return await messaging.lead_commands.scheduled(client_id, lead_id)
