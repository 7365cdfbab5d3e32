"""Escalations: a client's open queue, claimed and resolved from the page; and the page a
claim link texted to a team member opens. A GET shows what the link is for and a Claim
button (phones' link previews send GETs too): only the button's POST claims. Page and link
claim through one statement in escalation, so when they race one person has the lead and
both pages say who."""
from __future__ import annotations

import asyncio
import uuid

from fastapi import Request

from gateway.adapters.services import Refused
from gateway.domain.rules import ClaimLink, OnClient
from gateway.entrypoints.admission import Caller
from gateway.entrypoints.api.escalation import Token
from gateway.entrypoints.dependencies import CallerDep, Cursor, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)


@table.get("/clients/{client_id}/escalations", rule=OnClient(Permission.LEADS_READ))
async def queue_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep, cursor: Cursor = None):
    here, queue = await asyncio.gather(client_context(gw, caller, client_id), gw.escalation.json(
        "GET", f"/clients/{client_id}/escalations", params={"limit": 50, "cursor": cursor}))
    return render(request, "escalations.html", here=here, client=here.client, queue=queue[1], me=caller.person_id,
                  may_claim=here.may(Permission.ESCALATIONS_CLAIM))


@table.post("/clients/{client_id}/escalations/{escalation_id}/claim", rule=OnClient(Permission.ESCALATIONS_CLAIM))
async def claim(request: Request, client_id: uuid.UUID, escalation_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    return await _act(request, gw, caller, client_id, f"/clients/{client_id}/escalations/{escalation_id}/claim")


@table.post("/clients/{client_id}/escalations/{escalation_id}/resolve", rule=OnClient(Permission.ESCALATIONS_CLAIM))
async def resolve(request: Request, client_id: uuid.UUID, escalation_id: uuid.UUID, gw: GatewayDep,
                  caller: CallerDep):
    return await _act(request, gw, caller, client_id, f"/clients/{client_id}/escalations/{escalation_id}/resolve")


async def _act(request: Request, gw: Gateway, caller: Caller, client_id: uuid.UUID, path: str):
    try:
        await gw.escalation.json("POST", path, json={"person_id": caller.person_id})
    except Refused as refused:
        if refused.status not in (403, 409):
            raise
        here, queue = await asyncio.gather(client_context(gw, caller, client_id), gw.escalation.json(
            "GET", f"/clients/{client_id}/escalations", params={"limit": 50}))
        return render(request, "escalations.html", status=refused.status, here=here, client=here.client,
                      queue=queue[1], me=caller.person_id, may_claim=here.may(Permission.ESCALATIONS_CLAIM),
                      refusal=_refusal(refused))
    return see_other(f"/clients/{client_id}/escalations")


@table.get("/claim/{token}", rule=ClaimLink())
async def link_page(request: Request, token: Token, gw: GatewayDep):
    link = (await gw.escalation.json("GET", f"/claim/{token}"))[1]
    return render(request, "claim.html", link=link, token=token)


@table.post("/claim/{token}", rule=ClaimLink())
async def claim_by_link(request: Request, token: Token, gw: GatewayDep):
    try:
        await gw.escalation.json("POST", f"/claim/{token}")
    except Refused as refused:
        if refused.status != 409:
            raise
        link = (await gw.escalation.json("GET", f"/claim/{token}"))[1]
        return render(request, "claim.html", status=409, link=link, token=token, refusal=_refusal(refused))
    return render(request, "claim.html", link=(await gw.escalation.json("GET", f"/claim/{token}"))[1], token=token)


def _refusal(refused: Refused) -> str:
    owner, status = refused.body.get("owner"), refused.body.get("status")
    if owner and status == "claimed":
        return f"{owner} already has this lead."
    if status and status != "pending":
        return f"This lead is no longer open: it is {status}" + (f" ({owner} had it)." if owner else ".")
    return refused.reason[:1].upper() + refused.reason[1:] + "."
