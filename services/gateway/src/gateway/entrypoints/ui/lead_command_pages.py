"""What a person does about leads from the pages: on a lead's page, mark it do-not-contact (or
clear it), schedule a callback, schedule a message (times in the client's own zone); on the
leads list, send follow-ups to the chosen leads and see how many were scheduled and refused.
Each form carries an id made when the page was drawn, so sending it twice does it once."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Form, Request
from pydantic import ValidationError

from gateway.adapters.services import Refused
from gateway.domain.local_time import at_local
from gateway.domain.rules import OnClient
from gateway.entrypoints.api.lead_commands import FollowUps, schedule_follow_ups
from gateway.entrypoints.dependencies import CallerDep, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
YourId = Annotated[str, Form(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
LocalTime = Annotated[str, Form(min_length=1, max_length=19)]


async def client_zone(gw: Gateway, client_id: uuid.UUID) -> str:
    """The zone the client's people think in (its messaging profile), New York until it has one."""
    try:
        return (await gw.messaging.json("GET", f"/clients/{client_id}/profile"))[1]["timezone"]
    except Refused as refused:
        if refused.status != 404:
            raise
        return "America/New_York"


async def _instant(gw: Gateway, client_id: uuid.UUID, field: str, value: str) -> str:
    zone = await client_zone(gw, client_id)
    try:
        return at_local(value, zone).isoformat()
    except ValueError as error:
        raise Refused(422, "invalid request", {"problems": [{"field": field, "problem": str(error)}]}) from None


@table.post("/clients/{client_id}/leads/{lead_id}/do-not-contact", rule=OnClient(Permission.LEADS_MANAGE))
async def set_do_not_contact(client_id: uuid.UUID, lead_id: uuid.UUID,
                             do_not_contact: Annotated[Literal["yes", "no"], Form()], gw: GatewayDep,
                             caller: CallerDep):
    await gw.messaging.json("PUT", f"/clients/{client_id}/leads/{lead_id}/do-not-contact", json={
        "do_not_contact": do_not_contact == "yes", "person_id": caller.person_id})
    return see_other(f"/clients/{client_id}/leads/{lead_id}")


@table.post("/clients/{client_id}/leads/{lead_id}/callback", rule=OnClient(Permission.LEADS_MANAGE))
async def request_callback(client_id: uuid.UUID, lead_id: uuid.UUID, callback_id: YourId, due: LocalTime,
                           gw: GatewayDep, note: Annotated[str, Form(max_length=500)] = ""):
    due_at = await _instant(gw, client_id, "due", due)
    await gw.messaging.json("POST", f"/clients/{client_id}/leads/{lead_id}/callbacks",
                            json={"callback_id": callback_id, "due_at": due_at, "note": note.strip()})
    return see_other(f"/clients/{client_id}/leads/{lead_id}?done=callback")


@table.post("/clients/{client_id}/leads/{lead_id}/schedule", rule=OnClient(Permission.LEADS_MANAGE))
async def schedule_message(client_id: uuid.UUID, lead_id: uuid.UUID, schedule_id: YourId, due: LocalTime,
                           body: Annotated[str, Form(min_length=1, max_length=1600)], gw: GatewayDep):
    due_at = await _instant(gw, client_id, "due", due)
    await gw.messaging.json("POST", f"/clients/{client_id}/leads/{lead_id}/scheduled-messages",
                            json={"schedule_id": schedule_id, "body": body, "due_at": due_at})
    return see_other(f"/clients/{client_id}/leads/{lead_id}?done=scheduled")


@table.post("/clients/{client_id}/follow-ups", rule=OnClient(Permission.LEADS_MANAGE))
async def follow_ups(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    form = await request.form()
    due = str(form.get("due") or "")
    try:
        chosen = FollowUps.model_validate({
            "request_id": str(form.get("request_id", "")), "template": str(form.get("template", "")),
            "lead_ids": form.getlist("lead_id"), "due_at": await _instant(gw, client_id, "due", due) if due else None})
    except ValidationError as error:
        raise Refused(422, "invalid request", {"problems": [
            {"field": ".".join(map(str, e["loc"])), "problem": _plain(e)} for e in error.errors()]}) from None
    done = await schedule_follow_ups(gw, client_id, chosen)
    here = await client_context(gw, caller, client_id)
    return render(request, "follow_ups.html", here=here, client=here.client, done=done)


def _plain(error) -> str:
    if error["loc"] == ("lead_ids",) and error["type"] == "too_short":
        return "choose at least one lead"
    return error["msg"].removeprefix("Value error, ")
