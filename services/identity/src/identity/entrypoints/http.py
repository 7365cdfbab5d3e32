"""The identity API: OTP login, sessions, an authorization check, clients and teams."""
from __future__ import annotations

import ipaddress
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from identity.domain.identifiers import InvalidIdentifier
from identity.domain.roles import Permission
from identity.service_layer.access import Forbidden, NotFound, may
from identity.service_layer.login import Login
from identity.service_layer.tenants import Tenants
from revgen_common.api_errors import INPUT_ERRORS, documented, error_response, install_error_handling
from revgen_common.api_input import INT64_MAX, InputModel, Line

router = APIRouter(responses=INPUT_ERRORS)
SIGNED_IN = documented(401)
ON_A_CLIENT = documented(401, 403, 404)


async def login(request: Request) -> Login:
    return request.app.state.login


async def tenants(request: Request) -> Tenants:
    return request.app.state.tenants


def client_ip(request: Request) -> str | None:
    """The peer's address, unless the peer is a trusted proxy: then the last address in
    X-Forwarded-For that is not itself a trusted proxy. A spoofed header from anyone
    else is ignored."""
    peer = request.client.host if request.client else None
    trusted = {ipaddress.ip_address(p) for p in request.app.state.settings.trusted_proxies}
    if peer is None or ipaddress.ip_address(peer) not in trusted:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            if ipaddress.ip_address(hop) not in trusted:
                return hop
        except ValueError:
            return peer
    return peer


LoginDep = Annotated[Login, Depends(login)]
TenantsDep = Annotated[Tenants, Depends(tenants)]


async def current_person(request: Request, login: LoginDep,
                         authorization: Annotated[str | None, Header()] = None) -> uuid.UUID:
    scheme, _, token = (authorization or "").partition(" ")
    person = await login.authenticate(token) if scheme.lower() == "bearer" and token else None
    if person is None:
        raise Unauthenticated()
    request.state.token = token
    return person


PersonDep = Annotated[uuid.UUID, Depends(current_person)]


class Unauthenticated(Exception):
    pass


Identifier = Line(320)


class CodeRequest(InputModel):
    identifier: Identifier


class CodeAnswer(InputModel):
    identifier: Identifier
    login_attempt_id: uuid.UUID
    code: str = Field(pattern=r"^[0-9]{6}$")


class AttemptOut(BaseModel):
    login_attempt_id: uuid.UUID


class SessionOut(BaseModel):
    token: str
    expires_in: float


@router.post("/auth/otp", status_code=202, response_model=AttemptOut)
async def request_code(body: CodeRequest, request: Request, login: LoginDep) -> dict:
    """Send a login code if the identifier belongs to someone; the answer never says, and
    comes before that work, so its timing does not say either."""
    attempt = login.request_code_in_background(body.identifier, client_ip(request))
    return {"login_attempt_id": str(attempt.login_attempt_id)}


@router.post("/auth/otp/verify", response_model=SessionOut, responses=documented(401))
async def verify_code(body: CodeAnswer, login: LoginDep) -> Response:
    """Exchange a correct code for a session token (once)."""
    token = await login.verify_code(body.identifier, body.login_attempt_id, body.code)
    if token is None:
        return JSONResponse({"error": "invalid or expired code"}, status_code=401)
    return JSONResponse({"token": token, "expires_in": login.session_ttl.total_seconds()})


@router.post("/auth/logout", status_code=204, responses=SIGNED_IN)
async def logout(request: Request, person: PersonDep, login: LoginDep) -> None:
    """Revoke the session used for this request."""
    await login.logout(request.state.token)


@router.get("/authorize", responses=ON_A_CLIENT)
async def authorize(person: PersonDep, request: Request, client_id: uuid.UUID, permission: Permission) -> dict:
    """For the gateway and other services: may the caller do `permission` on `client_id`?"""
    async with request.app.state.engine.connect() as db:
        if not await may(db, person, Permission.CLIENT_READ, client_id):
            raise NotFound("client")
        if not await may(db, person, permission, client_id):
            raise Forbidden(permission.value)
    return {"allowed": True, "person_id": str(person)}


Name = Line(200)
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


@router.post("/agencies/{agency_id}/clients", status_code=201, responses=ON_A_CLIENT)
async def create_client(agency_id: uuid.UUID, body: NewClient, person: PersonDep, tenants: TenantsDep) -> dict:
    """Create a client (tenant) of the agency."""
    return await tenants.create_client(person, agency_id, body.name)


@router.get("/clients/{client_id}", responses=ON_A_CLIENT)
async def get_client(client_id: uuid.UUID, person: PersonDep, tenants: TenantsDep) -> dict:
    """One client, if the caller may see it."""
    return await tenants.get_client(person, client_id)


@router.patch("/clients/{client_id}", responses=ON_A_CLIENT)
async def update_client(client_id: uuid.UUID, body: ClientChange, person: PersonDep, tenants: TenantsDep) -> dict:
    """Rename, pause or resume a client."""
    return await tenants.update_client(person, client_id, body.name, body.status)


@router.delete("/clients/{client_id}", status_code=204, responses=ON_A_CLIENT)
async def delete_client(client_id: uuid.UUID, person: PersonDep, tenants: TenantsDep) -> None:
    """Soft-delete a client; billing and messaging clean up on ClientDeleted."""
    await tenants.delete_client(person, client_id)


@router.get("/clients/{client_id}/members", responses=ON_A_CLIENT)
async def list_members(client_id: uuid.UUID, person: PersonDep, tenants: TenantsDep,
                       limit: Annotated[int, Query(ge=1, le=100)] = 50,
                       offset: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0) -> list[dict]:
    """The client's team, a page at a time (50 by default, 100 at most)."""
    return await tenants.list_members(person, client_id, limit, offset)


@router.post("/clients/{client_id}/members", status_code=201, responses=ON_A_CLIENT)
async def add_member(client_id: uuid.UUID, body: NewMember, person: PersonDep, tenants: TenantsDep) -> dict:
    """Add a person to the client's team (or re-activate them)."""
    return await tenants.add_member(person, client_id, body.identifier, body.name, body.role)


@router.patch("/clients/{client_id}/members/{member_id}", responses=ON_A_CLIENT)
async def change_role(client_id: uuid.UUID, member_id: uuid.UUID, body: RoleChange, person: PersonDep,
                      tenants: TenantsDep) -> dict:
    """Change a team member's role."""
    return await tenants.change_role(person, client_id, member_id, body.role)


@router.delete("/clients/{client_id}/members/{member_id}", status_code=204, responses=ON_A_CLIENT)
async def deactivate_member(client_id: uuid.UUID, member_id: uuid.UUID, person: PersonDep,
                            tenants: TenantsDep) -> None:
    """Remove a member: their access to this client ends with this request."""
    await tenants.deactivate_member(person, client_id, member_id)


@router.get("/healthz")
async def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


def install_error_handlers(app: FastAPI) -> None:
    """Domain errors to HTTP status, in one place. Not-found and not-visible look alike."""
    install_error_handling(app, {
        NotFound: lambda e: error_response(404, "not found"),
        Forbidden: lambda e: error_response(403, "forbidden"),
        Unauthenticated: lambda e: error_response(401, "not authenticated"),
        InvalidIdentifier: lambda e: error_response(400, "invalid request", [("body.identifier", str(e))]),
    })
