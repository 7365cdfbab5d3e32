"""The identity API of an agency's own team (service_layer/agency_team.py): list, invite,
change a role, remove, and its audit log. The same answers as a client's team: 404 when the caller cannot see
the agency, 403 when a role is beyond its own, 409 for the agency's last owner."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request

from identity.entrypoints.answers import AuditEntry, Member
from identity.entrypoints.dependencies import Cursor, Identifier, Limit, Name, PersonDep
from identity.service_layer import audit
from identity.service_layer.agency_team import AgencyTeam
from revgen_common.api_errors import INPUT_ERRORS, documented
from revgen_common.api_input import InputModel
from revgen_common.pagination import DEFAULT_LIMIT, Page

router = APIRouter(prefix="/agencies/{agency_id}", responses=INPUT_ERRORS)
IN_AN_AGENCY = documented(401, 403, 404, 409)
AgencyRole = Literal["agency_owner", "agency_admin", "agency_staff"]


async def agency_team(request: Request) -> AgencyTeam:
    return request.app.state.agency_team


TeamDep = Annotated[AgencyTeam, Depends(agency_team)]


class NewAgencyMember(InputModel):
    identifier: Identifier
    name: Name
    role: AgencyRole


class AgencyRoleChange(InputModel):
    role: AgencyRole


@router.get("/members", response_model=Page[Member], responses=IN_AN_AGENCY)
async def list_members(agency_id: uuid.UUID, person: PersonDep, team: TeamDep, limit: Limit = DEFAULT_LIMIT,
                       cursor: Cursor = None):
    """The agency's team by name, removed members included, a page at a time."""
    return await team.list_members(person, agency_id, limit, cursor)


@router.post("/members", status_code=201, response_model=Member, responses=IN_AN_AGENCY)
async def add_member(agency_id: uuid.UUID, body: NewAgencyMember, person: PersonDep, team: TeamDep):
    """Invite a person by phone or e-mail (or bring them back) with a role within the caller's own."""
    return await team.add_member(person, agency_id, body.identifier, body.name, body.role)


@router.patch("/members/{member_id}", response_model=Member, responses=IN_AN_AGENCY)
async def change_role(agency_id: uuid.UUID, member_id: uuid.UUID, body: AgencyRoleChange, person: PersonDep,
                      team: TeamDep):
    """Change an agency member's role."""
    return await team.change_role(person, agency_id, member_id, body.role)


@router.delete("/members/{member_id}", status_code=204, responses=IN_AN_AGENCY)
async def deactivate_member(agency_id: uuid.UUID, member_id: uuid.UUID, person: PersonDep, team: TeamDep) -> None:
    """Remove a member from the agency and its clients' teams: their open claims go back to the team."""
    await team.deactivate_member(person, agency_id, member_id)


@router.get("/audit", response_model=Page[AuditEntry], responses=IN_AN_AGENCY)
async def agency_audit(agency_id: uuid.UUID, person: PersonDep, team: TeamDep, limit: Limit = DEFAULT_LIMIT,
                       cursor: Cursor = None):
    """Who changed the agency's own team, when, with the before-image; newest first."""
    return await audit.agency_audit(team.engine, person, agency_id, limit, cursor)
