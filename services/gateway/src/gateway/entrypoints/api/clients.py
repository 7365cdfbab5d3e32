"""/api/v1 clients and teams (identity's): identity checks the session's rights again on each."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.rules import InAgency, OnClient, SignedIn
from gateway.entrypoints.dependencies import DEFAULT_PAGE, CallerDep, Cursor, GatewayDep, Limit, Search
from gateway.entrypoints.route_table import RouteTable
from revgen_common.contracts.permissions import Permission
from revgen_common.pagination import Page

table = RouteTable(prefix="/api/v1", tags=["clients"])
ClientRoleName = Literal["client_owner", "client_admin", "client_member"]


class Client(BaseModel):
    id: uuid.UUID
    agency_id: uuid.UUID
    name: str
    status: Literal["active", "paused"]


class ClientDetail(Client):
    created_at: datetime
    updated_at: datetime


class NewClient(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Ace Plumbing"}]})
    name: str = Field(min_length=1, max_length=200)


class ClientChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Ace Plumbing & Heating"}]})
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: Literal["active", "paused"] | None = None


class Member(BaseModel):
    person_id: uuid.UUID
    name: str
    phone: str | None
    email: str | None
    role: ClientRoleName
    active: bool


class NewMember(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "identifier": "+14155550177", "name": "Dana Tech", "role": "client_member"}]})
    identifier: str = Field(min_length=1, max_length=320, description="phone number or e-mail address")
    name: str = Field(min_length=1, max_length=200)
    role: ClientRoleName


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "client_admin"}]})
    role: ClientRoleName


@table.get("/clients", rule=SignedIn(), response_model=Page[Client])
async def list_clients(gw: GatewayDep, caller: CallerDep, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None,
                       q: Search = None):
    """The clients the caller can see (their agencies' and their own), by name; `q` keeps
    those whose name contains it."""
    return await gw.identity.as_person(caller.token, "GET", "/clients",
                                       params={"limit": limit, "cursor": cursor, "q": q})


@table.post("/agencies/{agency_id}/clients", rule=InAgency(Permission.CLIENT_CREATE), status_code=201,
            response_model=ClientDetail)
async def create_client(agency_id: uuid.UUID, body: NewClient, gw: GatewayDep, caller: CallerDep):
    """Create a client of the agency."""
    return await gw.identity.as_person(caller.token, "POST", f"/agencies/{agency_id}/clients", json=body.model_dump())


@table.get("/clients/{client_id}", rule=OnClient(Permission.CLIENT_READ), response_model=ClientDetail)
async def get_client(client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    """One client."""
    return await gw.identity.as_person(caller.token, "GET", f"/clients/{client_id}")


@table.patch("/clients/{client_id}", rule=OnClient(Permission.CLIENT_UPDATE), response_model=ClientDetail)
async def update_client(client_id: uuid.UUID, body: ClientChange, gw: GatewayDep, caller: CallerDep):
    """Rename, pause or resume a client."""
    return await gw.identity.as_person(caller.token, "PATCH", f"/clients/{client_id}",
                                       json=body.model_dump(exclude_none=True))


@table.delete("/clients/{client_id}", rule=OnClient(Permission.CLIENT_DELETE), status_code=204)
async def delete_client(client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep) -> Response:
    """Delete a client: its subscriptions are cancelled, its schedules stopped, its numbers released."""
    await gw.identity.as_person(caller.token, "DELETE", f"/clients/{client_id}")
    return Response(status_code=204)


class AuditEntry(BaseModel):
    at: datetime
    action: str = Field(description="create, update, delete, add, deactivate …")
    entity: str = Field(description="client, client_membership or lead (an agency's: agency_membership)")
    entity_id: str
    actor_id: uuid.UUID | None
    actor_name: str | None
    before: dict[str, Any] | None = Field(description="what it was before the change")
    after: dict[str, Any] | None


@table.get("/clients/{client_id}/audit", rule=OnClient(Permission.CLIENT_UPDATE), response_model=Page[AuditEntry])
async def audit(client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep, limit: Limit = DEFAULT_PAGE,
                cursor: Cursor = None):
    """Who changed the client or its team, when, with the before-image; newest first."""
    return await gw.identity.as_person(caller.token, "GET", f"/clients/{client_id}/audit",
                                       params={"limit": limit, "cursor": cursor})


@table.get("/clients/{client_id}/members", rule=OnClient(Permission.MEMBERS_READ), response_model=Page[Member])
async def list_members(client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep, limit: Limit = DEFAULT_PAGE,
                       cursor: Cursor = None):
    """The client's team, by name."""
    return await gw.identity.as_person(caller.token, "GET", f"/clients/{client_id}/members",
                                       params={"limit": limit, "cursor": cursor})


@table.post("/clients/{client_id}/members", rule=OnClient(Permission.MEMBERS_MANAGE), status_code=201,
            response_model=Member)
async def add_member(client_id: uuid.UUID, body: NewMember, gw: GatewayDep, caller: CallerDep):
    """Add a person to the team (or bring them back)."""
    return await gw.identity.as_person(caller.token, "POST", f"/clients/{client_id}/members", json=body.model_dump())


@table.patch("/clients/{client_id}/members/{person_id}", rule=OnClient(Permission.MEMBERS_MANAGE),
             response_model=Member)
async def change_role(client_id: uuid.UUID, person_id: uuid.UUID, body: RoleChange, gw: GatewayDep,
                      caller: CallerDep):
    """Change a member's role."""
    return await gw.identity.as_person(caller.token, "PATCH", f"/clients/{client_id}/members/{person_id}",
                                       json=body.model_dump())


@table.delete("/clients/{client_id}/members/{person_id}", rule=OnClient(Permission.MEMBERS_MANAGE), status_code=204)
async def remove_member(client_id: uuid.UUID, person_id: uuid.UUID, gw: GatewayDep, caller: CallerDep) -> Response:
    """Remove a member: refused on their next request; their open claims go back to the team."""
    await gw.identity.as_person(caller.token, "DELETE", f"/clients/{client_id}/members/{person_id}")
    return Response(status_code=204)
