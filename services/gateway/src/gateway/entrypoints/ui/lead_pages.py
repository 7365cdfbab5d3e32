"""Leads and conversations: a client's leads newest first, one lead's conversation (each
message with its delivery state, opt-out status) and a reply written by hand. Both pages
follow the client's live stream (ui/live.py) and refresh their live regions when told. The
commands a person issues from them (do-not-contact, callbacks, scheduled messages, follow-ups
for chosen leads) are in lead_command_pages.py."""
from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import Form, Request

from gateway.domain.rules import OnClient
from gateway.entrypoints.dependencies import CallerDep, Cursor, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.lead_command_pages import client_zone
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
ReplyId = Annotated[str, Form(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Body = Annotated[str, Form(min_length=1, max_length=1600)]


@table.get("/clients/{client_id}/leads", rule=OnClient(Permission.LEADS_READ))
async def leads_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep, cursor: Cursor = None):
    here, leads, zone = await asyncio.gather(
        client_context(gw, caller, client_id),
        gw.messaging.json("GET", f"/clients/{client_id}/leads", params={"limit": 50, "cursor": cursor}),
        client_zone(gw, client_id))
    return render(request, "leads.html", here=here, client=here.client, leads=leads[1], cursor=cursor, zone=zone,
                  may_follow_up=here.may(Permission.LEADS_MANAGE), fresh_id=uuid.uuid4().hex)


@table.get("/clients/{client_id}/leads/{lead_id}", rule=OnClient(Permission.LEADS_READ))
async def conversation_page(request: Request, client_id: uuid.UUID, lead_id: uuid.UUID, gw: GatewayDep,
                            caller: CallerDep, cursor: Cursor = None):
    base = f"/clients/{client_id}/leads/{lead_id}"
    here, lead, thread, waiting, zone = await asyncio.gather(
        client_context(gw, caller, client_id), gw.messaging.json("GET", base),
        gw.messaging.json("GET", f"{base}/messages", params={"limit": 50, "cursor": cursor}),
        gw.messaging.json("GET", f"{base}/scheduled-messages"), client_zone(gw, client_id))
    return render(request, "conversation.html", here=here, client=here.client, lead=lead[1], thread=thread[1],
                  cursor=cursor, may_reply=here.may(Permission.LEADS_MANAGE), reply_id=uuid.uuid4().hex,
                  waiting=waiting[1]["data"], zone=zone, fresh_id=uuid.uuid4().hex)


@table.post("/clients/{client_id}/leads/{lead_id}/reply", rule=OnClient(Permission.LEADS_MANAGE))
async def reply(client_id: uuid.UUID, lead_id: uuid.UUID, reply_id: ReplyId, body: Body, gw: GatewayDep):
    await gw.messaging.json("POST", f"/clients/{client_id}/leads/{lead_id}/replies",
                            json={"reply_id": reply_id, "body": body})
    return see_other(f"/clients/{client_id}/leads/{lead_id}")
