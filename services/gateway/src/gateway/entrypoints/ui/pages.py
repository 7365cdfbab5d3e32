"""The pages a person uses: log in with a code, see who they are and where they may act,
a client's page with its team, log out. Each page is a route of the table (with its rule)
and a template of its own in templates/."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Query, Request

from gateway.adapters.services import Refused
from gateway.domain.rate_limits import identifier_key
from gateway.domain.rules import OnClient, Public, SignedIn
from gateway.entrypoints.admission import SESSION_COOKIE, take
from gateway.entrypoints.dependencies import CallerDep, Cursor, GatewayDep, VisitorDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.render import local_path, render, see_other, with_session_cookie, without_session_cookie
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
Identifier = Annotated[str, Form(min_length=1, max_length=320)]
Next = Annotated[str, Form(max_length=2000)]


@table.get("/", rule=Public("the front page sends you on"))
async def front(request: Request):
    return see_other("/me" if request.cookies.get(SESSION_COOKIE) else "/login")


@table.get("/login", rule=Public("the way in"))
async def login_page(request: Request, next: Annotated[str, Query(max_length=2000)] = "/me"):
    return render(request, "login.html", step="identifier", next=local_path(next))


@table.post("/login", rule=Public("the way in", login=True))
async def ask_for_code(request: Request, gw: GatewayDep, caller: VisitorDep, identifier: Identifier,
                       next: Next = "/me"):
    take(gw.limits.login_by_identifier, identifier_key(identifier), "login attempts for this identifier")
    try:
        attempt = await gw.identity.request_code(identifier, caller.address)
    except Refused as refused:
        if refused.status not in (400, 422):
            raise
        return render(request, "login.html", status=400, step="identifier", next=local_path(next),
                      identifier=identifier, error=f"That is not a phone number or e-mail address we can use "
                                                   f"({refused.reason}).")
    return render(request, "login.html", step="code", next=local_path(next), identifier=identifier,
                  login_attempt_id=attempt["login_attempt_id"])


@table.post("/login/code", rule=Public("the way in", login=True))
async def enter_code(request: Request, gw: GatewayDep, identifier: Identifier,
                     login_attempt_id: Annotated[uuid.UUID, Form()], code: Annotated[str, Form(max_length=20)],
                     next: Next = "/me"):
    take(gw.limits.login_by_identifier, identifier_key(identifier), "login attempts for this identifier")
    code = "".join(code.split())
    again = {"step": "code", "next": local_path(next), "identifier": identifier, "login_attempt_id": login_attempt_id}
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return render(request, "login.html", status=400, error="The code is the 6 digits we texted you.", **again)
    try:
        session = await gw.identity.verify_code(identifier, str(login_attempt_id), code)
    except Refused as refused:
        if refused.status not in (400, 401, 422):
            raise
        return render(request, "login.html", status=401, error="That code is wrong or has expired.", **again)
    return with_session_cookie(see_other(local_path(next)), session["token"], int(session["expires_in"]),
                               gw.secure_cookies)


@table.get("/me", rule=SignedIn())
async def me_page(request: Request, gw: GatewayDep, caller: CallerDep, cursor: Cursor = None):
    me = await gw.identity.me(caller.token)
    clients = await gw.identity.as_person(caller.token, "GET", "/clients", params={"limit": 50, "cursor": cursor})
    return render(request, "me.html", me=me, clients=clients)


@table.get("/clients/{client_id}", rule=OnClient(Permission.CLIENT_READ))
async def client_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                      cursor: Cursor = None):
    here = await client_context(gw, caller, client_id)
    members = await gw.identity.as_person(caller.token, "GET", f"/clients/{client_id}/members",
                                          params={"limit": 50, "cursor": cursor})
    return render(request, "client.html", here=here, client=here.client, members=members,
                  permissions=sorted(here.permissions), may_manage_members=here.may(Permission.MEMBERS_MANAGE))


@table.post("/clients/{client_id}/members/{person_id}/remove", rule=OnClient(Permission.MEMBERS_MANAGE))
async def remove_member(client_id: uuid.UUID, person_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    await gw.identity.as_person(caller.token, "DELETE", f"/clients/{client_id}/members/{person_id}")
    return see_other(f"/clients/{client_id}")


@table.post("/logout", rule=SignedIn())
async def logout(gw: GatewayDep, caller: CallerDep):
    await gw.identity.logout(caller.token)
    gw.access.forget_session(caller.token)
    return without_session_cookie(see_other("/login"), gw.secure_cookies)
