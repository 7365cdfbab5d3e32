"""The identity API: OTP login, sessions, an authorization check, clients and teams."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from identity.domain.alerts import Preference
from identity.domain.identifiers import InvalidIdentifier
from identity.domain.roles import PLATFORM_PERMISSIONS, Permission
from identity.entrypoints.answers import AuditEntry, Client, ClientDetail, Me, Member
from identity.service_layer import alert_preferences, audit
from identity.service_layer.access import Forbidden, NotFound, require, require_in_agency, require_on_platform
from identity.service_layer.login import Login
from identity.service_layer.tenants import Tenants
from identity.settings import IdentitySettings
from revgen_common.api_dependencies import DbConnection, Engine
from revgen_common.api_errors import INPUT_ERRORS, documented, error_response, install_error_handling
from revgen_common.api_input import InputModel, Line
from revgen_common.client_address import client_address
from revgen_common.pagination import DEFAULT_LIMIT, MAX_LIMIT, InvalidCursor, Page

router = APIRouter(responses=INPUT_ERRORS)
SIGNED_IN = documented(401)
ON_A_CLIENT = documented(401, 403, 404)


async def login(request: Request) -> Login:
    return request.app.state.login


async def tenants(request: Request) -> Tenants:
    return request.app.state.tenants


async def settings(request: Request) -> IdentitySettings:
    return request.app.state.settings


async def client_ip(request: Request, settings: Annotated[IdentitySettings, Depends(settings)]) -> str | None:
    """The caller's address, read through the proxies TRUSTED_PROXIES names."""
    return client_address(request, settings.trusted_proxies)


LoginDep = Annotated[Login, Depends(login)]
TenantsDep = Annotated[Tenants, Depends(tenants)]
ClientIp = Annotated[str | None, Depends(client_ip)]


async def current_person(request: Request, login: LoginDep,
                         authorization: Annotated[str | None, Header()] = None) -> uuid.UUID:
    scheme, _, token = (authorization or "").partition(" ")
    session = await login.authenticate(token) if scheme.lower() == "bearer" and token else None
    if session is None:
        raise Unauthenticated()
    request.state.token = token
    request.state.session = session
    return session.person_id


PersonDep = Annotated[uuid.UUID, Depends(current_person)]


class Unauthenticated(Exception):
    pass


Identifier = Annotated[str, Line(320)]


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
async def request_code(body: CodeRequest, address: ClientIp, login: LoginDep):
    """Send a login code if the identifier belongs to someone; the answer never says, and
    comes before that work, so its timing does not say either."""
    attempt = login.request_code_in_background(body.identifier, address)
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


class Decision(BaseModel):
    allowed: bool
    person_id: str
    session_expires_at: datetime
    error: str | None = None


@router.get("/authorize", response_model=Decision,
            responses={**SIGNED_IN, 403: {"model": Decision}, 404: {"model": Decision}})
async def authorize(person: PersonDep, request: Request, db: DbConnection, permission: Permission | None = None,
                    client_id: uuid.UUID | None = None, agency_id: uuid.UUID | None = None) -> Response:
    """For the gateway and other services: may the caller do `permission` on `client_id`
    (or in `agency_id`, or on the platform when neither is given)? Without a permission:
    is the session valid? 404 when the caller cannot see the client or agency, 403 when it
    can but may not act; the answer says until when the session lasts."""
    if (client_id or agency_id) and permission is None:
        return _refused(422, "a client_id or agency_id needs a permission")
    if client_id and agency_id:
        return _refused(422, "give client_id or agency_id, not both")
    if permission is not None and not (client_id or agency_id) and permission not in PLATFORM_PERMISSIONS:
        return _refused(422, f"{permission.value} needs a client_id or agency_id")
    answer = {"person_id": str(person), "session_expires_at": request.state.session.expires_at.isoformat()}
    try:
        if client_id and permission:  # (a permission always comes with them: refused above)
            await require(db, person, permission, client_id)
        elif agency_id and permission:
            await require_in_agency(db, person, permission, agency_id)
        elif permission:
            await require_on_platform(db, person, permission)
    except NotFound:  # the refusals name the caller too: a gateway caches them per person
        return JSONResponse({**answer, "allowed": False, "error": "not found"}, status_code=404)
    except Forbidden:
        return JSONResponse({**answer, "allowed": False, "error": "forbidden"}, status_code=403)
    return JSONResponse({**answer, "allowed": True})


def _refused(status: int, error: str) -> JSONResponse:
    return error_response(status, "invalid request", [("query", error)])


@router.get("/me", response_model=Me, responses=SIGNED_IN)
async def me(person: PersonDep, request: Request, tenants: TenantsDep):
    """Who the caller is, until when the session lasts, and every membership they hold."""
    return {**await tenants.me(person), "session_expires_at": request.state.session.expires_at.isoformat()}


class AlertChannels(InputModel):
    channels: Preference


class AlertChannelsOut(BaseModel):
    alert_channels: Preference


@router.put("/me/alert-channels", response_model=AlertChannelsOut, responses=SIGNED_IN)
async def set_alert_channels(body: AlertChannels, person: PersonDep, engine: Engine):
    """How the caller is told of alerts (a dispute, a failed payment, …): by SMS, e-mail or
    both (the default); a channel they have no contact for falls back to the one they have."""
    stored = await alert_preferences.set_alert_channels(engine, person, body.channels)
    return {"alert_channels": stored}


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=512)]


@router.get("/clients", response_model=Page[Client], responses=SIGNED_IN)
async def list_clients(person: PersonDep, tenants: TenantsDep, limit: Limit = DEFAULT_LIMIT,
                       cursor: Cursor = None, q: Annotated[Annotated[str, Line(200)] | None, Query()] = None):
    """The clients the caller can see, by name, a page at a time (revgen_common.pagination);
    `q` keeps those whose name contains it."""
    return await tenants.list_clients(person, limit, cursor, q)


Name = Annotated[str, Line(200)]
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



def install_error_handlers(app: FastAPI) -> None:
    """Domain errors to HTTP status, in one place. Not-found and not-visible look alike."""
    install_error_handling(app, {
        NotFound: lambda e: error_response(404, "not found"),
        Forbidden: lambda e: error_response(403, "forbidden"),
        Unauthenticated: lambda e: error_response(401, "not authenticated"),
        InvalidIdentifier: lambda e: error_response(400, "invalid request", [("body.identifier", str(e))]),
        InvalidCursor: lambda e: error_response(400, "invalid request", [("query.cursor", str(e))]),
    })
