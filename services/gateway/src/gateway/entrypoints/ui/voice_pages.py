"""A client's calls (services/voice, ADR 0015 and 0021). How its calls are answered — the
business line rung with the team, the greeting and the voice that speaks it, after hours
voicemail or the AI voice, how long phones ring — for those who may change the client
(client:update); its recent calls, who answered, what the AI voice was asked and the
voicemails, for those who read its leads. Voicemail audio is streamed through here from
voice, which keeps it: no Twilio URL or credential reaches a browser."""
from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Literal

from fastapi import Form, Path, Request
from fastapi.responses import Response

from gateway.adapters.services import Refused
from gateway.domain.rules import OnClient
from gateway.entrypoints.admission import Caller
from gateway.entrypoints.dependencies import CallerDep, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
SETTINGS = OnClient(Permission.CLIENT_UPDATE)
CALLS = OnClient(Permission.LEADS_READ)
MODES = {"voicemail": "The greeting, then voicemail",
         "ai": "The greeting, then the AI voice answers one question, then voicemail"}
DEFAULTS = {"greeting": "Thanks for calling. We can't take your call right now. Please leave a message after the tone.",
            "voice_id": "21m00Tcm4TlvDq8ikWAM", "mode": "voicemail", "ring_seconds": 20, "business_phone": None}
CallSid = Annotated[str, Path(pattern=r"^CA[0-9a-f]{32}$")]


@table.get("/clients/{client_id}/voice", rule=SETTINGS)
async def voice_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                     outcome: str | None = None):
    return await _settings_page(request, gw, caller, client_id, outcome=outcome)


@table.post("/clients/{client_id}/voice", rule=SETTINGS)
async def save_voice(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                     greeting: Annotated[str, Form(min_length=1, max_length=1000)],
                     voice_id: Annotated[str, Form(min_length=1, max_length=100)],
                     mode: Annotated[Literal["voicemail", "ai"], Form()],
                     ring_seconds: Annotated[int, Form(ge=5, le=60)],
                     business_phone: Annotated[str, Form(max_length=32)] = ""):
    body = {"greeting": greeting.strip(), "voice_id": voice_id.strip(), "mode": mode, "ring_seconds": ring_seconds,
            "business_phone": business_phone.strip() or None}
    try:
        await gw.voice.json("PUT", f"/clients/{client_id}/voice-settings", json=body)
    except Refused as refused:
        if refused.status not in (400, 422):
            raise
        return await _settings_page(request, gw, caller, client_id, status=400, form=body,
                                    error=f"The settings were not saved: {refused.reason}.")
    return see_other(f"/clients/{client_id}/voice?outcome=saved")


@table.get("/clients/{client_id}/calls", rule=CALLS)
async def calls_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    here, (_, calls), members = await asyncio.gather(
        client_context(gw, caller, client_id), gw.voice.json("GET", f"/clients/{client_id}/calls", params={"limit": 50}),
        gw.identity.as_person(caller.token, "GET", f"/clients/{client_id}/members", params={"limit": 100}))
    names = {m["person_id"]: m["name"] for m in members["data"]} | {"business": "the business line"}
    return render(request, "calls.html", here=here, client=here.client, calls=calls["data"], names=names)


@table.get("/clients/{client_id}/calls/{call_sid}/recording", rule=CALLS)
async def voicemail(client_id: uuid.UUID, call_sid: CallSid, gw: GatewayDep):
    """The voicemail's audio, streamed from voice (which checks the call is this client's)."""
    answer = await gw.voice.call("GET", f"/clients/{client_id}/calls/{call_sid}/recording")
    if answer.status_code != 200:
        raise Refused(404, "no voicemail is kept for this call")
    return Response(answer.content, media_type=answer.headers.get("content-type", "audio/mpeg"),
                    headers={"Cache-Control": "private, max-age=3600"})


async def _settings_page(request: Request, gw: Gateway, caller: Caller, client_id: uuid.UUID, status: int = 200, **context):
    here = await client_context(gw, caller, client_id)
    try:
        saved = (await gw.voice.json("GET", f"/clients/{client_id}/voice-settings"))[1]
    except Refused as refused:
        if refused.status != 404:
            raise
        saved = None
    form = context.pop("form", None) or saved or DEFAULTS
    return render(request, "voice.html", status=status, here=here, client=here.client, form=form, saved=saved,
                  modes=MODES, **context)
