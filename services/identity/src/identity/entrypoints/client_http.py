"""The identity API of clients and their teams: list, create, change and delete clients,
their members and roles, and each client's audit log."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from identity.entrypoints.answers import AuditEntry, Client, ClientDetail, Member
from identity.entrypoints.dependencies import ON_A_CLIENT, SIGNED_IN, Cursor, Identifier, Limit, Name, PersonDep, TenantsDep
from identity.service_layer import audit
from revgen_common.api_errors import INPUT_ERRORS
from revgen_common.api_input import InputModel, Line
from revgen_common.pagination import DEFAULT_LIMIT, Page

router = APIRouter(responses=INPUT_ERRORS)


@router.get("/clients", response_model=Page[Client], responses=SIGNED_IN)
async def list_clients(person: PersonDep, tenants: TenantsDep, limit: Limit = DEFAULT_LIMIT,
                       cursor: Cursor = None, q: Annotated[Annotated[str, Line(200)] | None, Query()] = None):
    """The clients the caller can see, by name, a page at a time (revgen_common.pagination);
    `q` keeps those whose name contains it."""
    return await tenants.list_clients(person, limit, cursor, q)


ClientRole = Literal["client_owner", "client_admin", "client_member"]


class NewClient(InputModel):
    name: Name


class ClientChange(InputModel):
    name: Name | None = None
    status: Literal["active", "paused"] | None = None


class NewMember(InputModel):
    identifier: Identifier
    name: Name
    role: ClientRole


class RoleChange(InputModel):
    role: ClientRole


@router.post("/agencies/{agency_id}/clients", status_code=201, response_model=ClientDetail, responses=ON_A_CLIENT)
async def create_client(agency_id: uuid.UUID, body: NewClient, person: PersonDep, tenants: TenantsDep):
    """Create a client (tenant) of the agency."""
    return await tenants.create_client(person, agency_id, body.name)


@router.get("/clients/{client_id}", response_model=ClientDetail, responses=ON_A_CLIENT)
async def get_client(client_id: uuid.UUID, person: PersonDep, tenants: TenantsDep):
    """One client, if the caller may see it."""
    return await tenants.get_client(person, client_id)


@router.patch("/clients/{client_id}", response_model=ClientDetail, responses=ON_A_CLIENT)
async def update_client(client_id: uuid.UUID, body: ClientChange, person: PersonDep, tenants: TenantsDep):
    """Rename, pause or resume a client."""
    return await tenants.update_client(person, client_id, body.name, body.status)


@router.delete("/clients/{client_id}", status_code=204, responses=ON_A_CLIENT)
async def delete_client(client_id: uuid.UUID, person: PersonDep, tenants: TenantsDep) -> None:
    """Soft-delete a client; billing and messaging clean up on ClientDeleted."""
    await tenants.delete_client(person, client_id)


@router.get("/clients/{client_id}/audit", response_model=Page[AuditEntry], responses=ON_A_CLIENT)
async def client_audit(client_id: uuid.UUID, person: PersonDep, tenants: TenantsDep, limit: Limit = DEFAULT_LIMIT,
                       cursor: Cursor = None):
    """Who changed the client or its team, when, with the before-image; newest first."""
    return await audit.client_audit(tenants.engine, person, client_id, limit, cursor)


@router.get("/clients/{client_id}/members", response_model=Page[Member], responses=ON_A_CLIENT)
async def list_members(client_id: uuid.UUID, person: PersonDep, tenants: TenantsDep, limit: Limit = DEFAULT_LIMIT,
                       cursor: Cursor = None):
    """The client's team by name, a page at a time (revgen_common.pagination)."""
    return await tenants.list_members(person, client_id, limit, cursor)


@router.post("/clients/{client_id}/members", status_code=201, response_model=Member, responses=ON_A_CLIENT)
async def add_member(client_id: uuid.UUID, body: NewMember, person: PersonDep, tenants: TenantsDep):
    """Add a person to the client's team (or re-activate them)."""
    return await tenants.add_member(person, client_id, body.identifier, body.name, body.role)


@router.patch("/clients/{client_id}/members/{member_id}", response_model=Member, responses=ON_A_CLIENT)
async def change_role(client_id: uuid.UUID, member_id: uuid.UUID, body: RoleChange, person: PersonDep,
                      tenants: TenantsDep):
    """Change a team member's role."""
    return await tenants.change_role(person, client_id, member_id, body.role)


@router.delete("/clients/{client_id}/members/{member_id}", status_code=204, responses=ON_A_CLIENT)
async def deactivate_member(client_id: uuid.UUID, member_id: uuid.UUID, person: PersonDep,
                            tenants: TenantsDep) -> None:
    """Remove a member: their access to this client ends with this request."""
    await tenants.deactivate_member(person, client_id, member_id)
