"""/api/v1 an agency's own team (identity's, ADR 0022) and its audit log: its members' roles
reach every client of the agency. The same rules as a client's team: roles within the caller's own (ADR 0013),
and an agency keeps an owner (409)."""
from __future__ import annotations

import uuid
from typing import Literal

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.rules import InAgency
from gateway.entrypoints.api.clients import AuditEntry
from gateway.entrypoints.dependencies import DEFAULT_PAGE, CallerDep, Cursor, GatewayDep, Limit
from gateway.entrypoints.route_table import RouteTable
from revgen_common.api_errors import documented
from revgen_common.contracts.permissions import Permission
from revgen_common.pagination import Page

table = RouteTable(prefix="/api/v1", tags=["agencies"])
MANAGE = InAgency(Permission.MEMBERS_MANAGE)
AgencyRoleName = Literal["agency_owner", "agency_admin", "agency_staff"]


class AgencyMember(BaseModel):
    person_id: uuid.UUID
    name: str
    phone: str | None
    email: str | None
    role: AgencyRoleName
    active: bool


class NewAgencyMember(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "identifier": "dana@agency.example", "name": "Dana Account-Manager", "role": "agency_staff"}]})
    identifier: str = Field(min_length=1, max_length=320, description="phone number or e-mail address")
    name: str = Field(min_length=1, max_length=200)
    role: AgencyRoleName


class AgencyRoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "agency_admin"}]})
    role: AgencyRoleName


@table.get("/agencies/{agency_id}/members", rule=InAgency(Permission.MEMBERS_READ), response_model=Page[AgencyMember])
async def list_agency_members(agency_id: uuid.UUID, gw: GatewayDep, caller: CallerDep, limit: Limit = DEFAULT_PAGE,
                              cursor: Cursor = None):
    """The agency's team by name, removed members included."""
    return await gw.identity.as_person(caller.token, "GET", f"/agencies/{agency_id}/members",
                                       params={"limit": limit, "cursor": cursor})


@table.post("/agencies/{agency_id}/members", rule=MANAGE, status_code=201, response_model=AgencyMember)
async def add_agency_member(agency_id: uuid.UUID, body: NewAgencyMember, gw: GatewayDep, caller: CallerDep):
    """Invite someone by phone or e-mail (or bring them back); they log in with a code sent there."""
    return await gw.identity.as_person(caller.token, "POST", f"/agencies/{agency_id}/members", json=body.model_dump())


@table.patch("/agencies/{agency_id}/members/{person_id}", rule=MANAGE, response_model=AgencyMember,
             responses=documented(409))
async def change_agency_role(agency_id: uuid.UUID, person_id: uuid.UUID, body: AgencyRoleChange, gw: GatewayDep,
                             caller: CallerDep):
    """Change an agency member's role (not the agency's last owner's)."""
    return await gw.identity.as_person(caller.token, "PATCH", f"/agencies/{agency_id}/members/{person_id}",
                                       json=body.model_dump())


@table.delete("/agencies/{agency_id}/members/{person_id}", rule=MANAGE, status_code=204, responses=documented(409))
async def remove_agency_member(agency_id: uuid.UUID, person_id: uuid.UUID, gw: GatewayDep,
                               caller: CallerDep) -> Response:
    """Remove a member from the agency and from its clients' teams: refused on their next
    request; their open claims go back to the team."""
    await gw.identity.as_person(caller.token, "DELETE", f"/agencies/{agency_id}/members/{person_id}")
    return Response(status_code=204)


@table.get("/agencies/{agency_id}/audit", rule=MANAGE, response_model=Page[AuditEntry])
async def agency_audit(agency_id: uuid.UUID, gw: GatewayDep, caller: CallerDep, limit: Limit = DEFAULT_PAGE,
                       cursor: Cursor = None):
    """Who changed the agency's own team, when, with the before-image; newest first."""
    return await gw.identity.as_person(caller.token, "GET", f"/agencies/{agency_id}/audit",
                                       params={"limit": limit, "cursor": cursor})
