"""A client's team, for those who may manage it (members:manage: the client's owner and
admins, the agency's owner and admins): invite someone by phone or e-mail with a role,
change a member's role (removing one is the client page's, pages.py). Identity decides, as for the API; a refusal it
gives for the input (a phone number it cannot read) is shown on the page with a 400."""
from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Literal

from fastapi import Form, Request

from gateway.adapters.services import Refused
from gateway.domain.rules import OnClient
from gateway.entrypoints.admission import Caller
from gateway.entrypoints.dependencies import CallerDep, Cursor, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
MANAGE = OnClient(Permission.MEMBERS_MANAGE)
ROLES = {"client_member": "member: leads, conversations, claims",
         "client_admin": "admin: also manages the team",
         "client_owner": "owner: also the profile and billing"}
Role = Annotated[Literal["client_owner", "client_admin", "client_member"], Form()]


@table.get("/clients/{client_id}/team", rule=MANAGE)
async def team_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep, cursor: Cursor = None,
                    outcome: str | None = None):
    return await _team(request, gw, caller, client_id, cursor, outcome=outcome)


@table.post("/clients/{client_id}/team/invite", rule=MANAGE)
async def invite(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep, role: Role,
                 identifier: Annotated[str, Form(min_length=1, max_length=320)],
                 name: Annotated[str, Form(min_length=1, max_length=200)]):
    body = {"identifier": identifier.strip(), "name": name.strip(), "role": role}
    try:
        await gw.identity.as_person(caller.token, "POST", f"/clients/{client_id}/members", json=body)
    except Refused as refused:
        if refused.status not in (400, 403, 422):
            raise
        return await _team(request, gw, caller, client_id, None, status=_status(refused), invite=body,
                           error=f"{name.strip() or 'They'} could not be invited: {_why(refused)}.")
    return see_other(f"/clients/{client_id}/team?outcome=invited")


@table.post("/clients/{client_id}/team/{person_id}/role", rule=MANAGE)
async def change_role(request: Request, client_id: uuid.UUID, person_id: uuid.UUID, role: Role, gw: GatewayDep,
                      caller: CallerDep):
    try:
        await gw.identity.as_person(caller.token, "PATCH", f"/clients/{client_id}/members/{person_id}",
                                    json={"role": role})
    except Refused as refused:
        if refused.status != 403:
            raise
        return await _team(request, gw, caller, client_id, None, status=403,
                           error=f"The role was not changed: {_why(refused)}.")
    return see_other(f"/clients/{client_id}/team?outcome=role-changed")


def _status(refused: Refused) -> int:
    return 403 if refused.status == 403 else 400


def _why(refused: Refused) -> str:
    # identity's 403 here is its roles rule (ADR 0013): a role beyond the caller's own
    return "you may give only roles within your own" if refused.status == 403 else refused.reason


async def _team(request: Request, gw: Gateway, caller: Caller, client_id: uuid.UUID, cursor: str | None, status: int = 200,
                **context):
    here, members = await asyncio.gather(client_context(gw, caller, client_id), gw.identity.as_person(
        caller.token, "GET", f"/clients/{client_id}/members", params={"limit": 50, "cursor": cursor}))
    return render(request, "team.html", status=status, here=here, client=here.client, members=members, roles=ROLES,
                  **context)
