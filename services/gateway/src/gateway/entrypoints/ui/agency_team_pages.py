"""An agency's own team, for those who may manage it (members:manage in the agency: its owner
and admins): invite someone by phone or e-mail with an agency role, change a member's role,
remove one (which also ends their places on the agency's clients' teams, ADR 0022); and who
changed the team, with the before-image (its audit log). Identity
decides; what it refuses (a role beyond the caller's own, the last owner, an unreadable phone
number) is shown on the page with its status."""
from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Literal

from fastapi import Form, Request

from gateway.adapters.services import Refused
from gateway.domain.rules import InAgency
from gateway.entrypoints.admission import Caller
from gateway.entrypoints.dependencies import CallerDep, Cursor, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
MANAGE = InAgency(Permission.MEMBERS_MANAGE)
ROLES = {"agency_staff": "staff: every client's leads, conversations, claims",
         "agency_admin": "admin: also clients, teams and billing",
         "agency_owner": "owner: also deletes clients"}
Role = Annotated[Literal["agency_owner", "agency_admin", "agency_staff"], Form()]
_WHY = {403: "you may give, or act on someone holding, only roles within your own"}


@table.get("/agencies/{agency_id}/team", rule=MANAGE)
async def agency_team_page(request: Request, agency_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                           cursor: Cursor = None, outcome: str | None = None):
    return await _team(request, gw, caller, agency_id, cursor, outcome=outcome)


@table.get("/agencies/{agency_id}/audit", rule=MANAGE)
async def agency_audit_page(request: Request, agency_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                            cursor: Cursor = None):
    me, entries = await asyncio.gather(gw.identity.me(caller.token), gw.identity.as_person(
        caller.token, "GET", f"/agencies/{agency_id}/audit", params={"limit": 50, "cursor": cursor}))
    return render(request, "agency_audit.html", agency=_agency(me, agency_id), entries=entries)


@table.post("/agencies/{agency_id}/team/invite", rule=MANAGE)
async def invite_to_agency(request: Request, agency_id: uuid.UUID, gw: GatewayDep, caller: CallerDep, role: Role,
                           identifier: Annotated[str, Form(min_length=1, max_length=320)],
                           name: Annotated[str, Form(min_length=1, max_length=200)]):
    body = {"identifier": identifier.strip(), "name": name.strip(), "role": role}
    return await _act(request, gw, caller, agency_id, "POST", "", body, "invited",
                      f"{body['name'] or 'They'} could not be invited", invite=body)


@table.post("/agencies/{agency_id}/team/{person_id}/role", rule=MANAGE)
async def change_agency_role(request: Request, agency_id: uuid.UUID, person_id: uuid.UUID, role: Role,
                             gw: GatewayDep, caller: CallerDep):
    return await _act(request, gw, caller, agency_id, "PATCH", f"/{person_id}", {"role": role}, "role-changed",
                      "The role was not changed")


@table.post("/agencies/{agency_id}/team/{person_id}/remove", rule=MANAGE)
async def remove_from_agency(request: Request, agency_id: uuid.UUID, person_id: uuid.UUID, gw: GatewayDep,
                             caller: CallerDep):
    return await _act(request, gw, caller, agency_id, "DELETE", f"/{person_id}", None, "removed",
                      "They were not removed")


async def _act(request: Request, gw: Gateway, caller: Caller, agency_id: uuid.UUID, method: str, path: str, body: dict | None,
               outcome: str, failed: str, **context):
    try:
        await gw.identity.as_person(caller.token, method, f"/agencies/{agency_id}/members{path}", json=body)
    except Refused as refused:
        if refused.status not in (400, 403, 409, 422):
            raise
        return await _team(request, gw, caller, agency_id, None, status=refused.status if refused.status != 422
                           else 400, error=f"{failed}: {_WHY.get(refused.status, refused.reason)}.", **context)
    return see_other(f"/agencies/{agency_id}/team?outcome={outcome}")


async def _team(request: Request, gw: Gateway, caller: Caller, agency_id: uuid.UUID, cursor: str | None, status: int = 200,
                **context):
    me, members = await asyncio.gather(gw.identity.me(caller.token), gw.identity.as_person(
        caller.token, "GET", f"/agencies/{agency_id}/members", params={"limit": 50, "cursor": cursor}))
    return render(request, "agency_team.html", status=status, agency=_agency(me, agency_id), members=members,
                  roles=ROLES, **context)


def _agency(me: dict, agency_id: uuid.UUID) -> dict:
    return next(a for a in me["agencies"] if a["agency_id"] == str(agency_id))
