"""/api/v1/auth and /api/v1/me: the integrator's way in (the same opaque session tokens the
browser's cookie carries, sent as `Authorization: Bearer`)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.domain.rate_limits import identifier_key
from gateway.domain.rules import Public, SignedIn
from gateway.entrypoints.admission import take
from gateway.entrypoints.dependencies import CallerDep, GatewayDep, VisitorDep
from gateway.entrypoints.route_table import RouteTable

table = RouteTable(prefix="/api/v1", tags=["auth"])


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"identifier": "+14155550100"}]})
    identifier: str = Field(min_length=1, max_length=320, description="a phone number (any format) or e-mail address")


class Attempt(BaseModel):
    login_attempt_id: uuid.UUID


class CodeAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "identifier": "+14155550100", "login_attempt_id": "5d0f6c1e-8f3b-4d6a-9a51-2f8d7e0c1b3a", "code": "123456"}]})
    identifier: str = Field(min_length=1, max_length=320)
    login_attempt_id: uuid.UUID
    code: str = Field(pattern=r"^[0-9]{6}$")


class SessionToken(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer <token>`")
    expires_in: float = Field(description="seconds")


class Role(BaseModel):
    role: str
    permissions: list[str]


class AgencyRole(Role):
    agency_id: uuid.UUID
    name: str


class ClientRole(Role):
    client_id: uuid.UUID
    agency_id: uuid.UUID
    name: str
    status: Literal["active", "paused"]


class Person(BaseModel):
    id: uuid.UUID
    name: str
    phone: str | None
    email: str | None


class Me(BaseModel):
    person: Person
    session_expires_at: datetime
    platform_roles: list[Role]
    agencies: list[AgencyRole] = Field(description="agency roles reach every client of the agency")
    clients: list[ClientRole] = Field(description="roles in one client each")


@table.post("/auth/otp", rule=Public("the way in", login=True), status_code=202, response_model=Attempt)
async def request_code(body: CodeRequest, gw: GatewayDep, caller: VisitorDep):
    """Text a login code to the identifier if it belongs to someone; the answer never says whether it does."""
    take(gw.limits.login_by_identifier, identifier_key(body.identifier), "login attempts for this identifier")
    return await gw.identity.request_code(body.identifier, caller.address)


@table.post("/auth/otp/verify", rule=Public("the way in", login=True), response_model=SessionToken,
            responses={401: {"description": "wrong, used or expired code"}})
async def verify_code(body: CodeAnswer, gw: GatewayDep):
    """Exchange the code for a session token (once)."""
    take(gw.limits.login_by_identifier, identifier_key(body.identifier), "login attempts for this identifier")
    return await gw.identity.verify_code(body.identifier, str(body.login_attempt_id), body.code)


@table.post("/auth/logout", rule=SignedIn(), status_code=204)
async def logout(gw: GatewayDep, caller: CallerDep) -> Response:
    """End this session, everywhere at once."""
    await gw.identity.logout(caller.token)
    gw.access.forget_session(caller.token)
    return Response(status_code=204)


@table.get("/me", rule=SignedIn(), response_model=Me)
async def me(gw: GatewayDep, caller: CallerDep):
    """Who the caller is, until when the session lasts, and where they may act."""
    return await gw.identity.me(caller.token)
