"""Clients: the list (search, a page at a time), a new client, its profile (numbers, zone,
business and quiet hours, the assistant) and deleting it after a page that says what follows."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Request
from pydantic import ValidationError

from gateway.adapters.services import Refused
from gateway.domain.rules import InAgency, OnClient, SignedIn
from gateway.entrypoints.api.messaging import Profile
from gateway.entrypoints.dependencies import CallerDep, Cursor, GatewayDep, Search
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.profile_form import DAYS, ProfileForm, form_of, profile_of
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
Name = Annotated[str, Form(min_length=1, max_length=200)]


@table.get("/clients", rule=SignedIn())
async def clients_page(request: Request, gw: GatewayDep, caller: CallerDep, cursor: Cursor = None, q: Search = None):
    clients = await gw.identity.as_person(caller.token, "GET", "/clients",
                                          params={"limit": 50, "cursor": cursor, "q": q})
    me = await gw.identity.me(caller.token)
    agencies = [a for a in me["agencies"] if Permission.CLIENT_CREATE.value in a["permissions"]]
    return render(request, "clients.html", clients=clients, q=q or "", agencies=agencies)


@table.post("/agencies/{agency_id}/clients", rule=InAgency(Permission.CLIENT_CREATE))
async def create_client(agency_id: uuid.UUID, name: Name, gw: GatewayDep, caller: CallerDep):
    client = await gw.identity.as_person(caller.token, "POST", f"/agencies/{agency_id}/clients", json={"name": name})
    return see_other(f"/clients/{client['id']}/profile")


@table.get("/clients/{client_id}/profile", rule=OnClient(Permission.CLIENT_READ))
async def profile_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    here = await client_context(gw, caller, client_id)
    try:
        saved = (await gw.messaging.json("GET", f"/clients/{client_id}/profile"))[1]
    except Refused as refused:
        if refused.status != 404:
            raise
        saved = None  # messaging has not heard of the client yet
    form = form_of(saved) if saved else ProfileForm(business_name=here.client["name"])
    return render(request, "profile.html", here=here, client=here.client, form=form, days=DAYS,
                  may_edit=here.may(Permission.CLIENT_UPDATE))


@table.post("/clients/{client_id}/profile", rule=OnClient(Permission.CLIENT_UPDATE))
async def save_profile(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    form = ProfileForm.from_form(await request.form())
    problems: list[dict] = []
    try:
        profile = Profile.model_validate(profile_of(form))
    except (ValidationError, ValueError) as error:
        problems = _problems(error)
    else:
        try:
            await gw.messaging.json("PUT", f"/clients/{client_id}/profile", json=profile.model_dump(mode="json"))
            return see_other(f"/clients/{client_id}/profile?saved=1")
        except Refused as refused:
            if refused.status not in (404, 409, 422):
                raise
            problems = [{"field": p.get("field", ""), "problem": p.get("problem", "")}
                        for p in refused.body.get("problems", [])] or [{"field": "", "problem": refused.reason}]
    here = await client_context(gw, caller, client_id)
    return render(request, "profile.html", status=422, here=here, client=here.client, form=form, days=DAYS,
                  may_edit=True, problems=problems)


@table.get("/clients/{client_id}/delete", rule=OnClient(Permission.CLIENT_DELETE))
async def delete_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    here = await client_context(gw, caller, client_id)
    return render(request, "delete_client.html", here=here, client=here.client)


@table.post("/clients/{client_id}/delete", rule=OnClient(Permission.CLIENT_DELETE))
async def delete_client(client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    await gw.identity.as_person(caller.token, "DELETE", f"/clients/{client_id}")
    return see_other("/clients?deleted=1")


def _problems(error: Exception) -> list[dict]:
    if isinstance(error, ValidationError):
        return [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"].removeprefix("Value error, ")}
                for e in error.errors()]
    return [{"field": "", "problem": str(error)}]
