"""The identity API of a person's own session: OTP login, logout, the authorization check
the gateway asks, who am I, and how I am alerted."""
from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from identity.domain.alerts import Preference
from identity.domain.roles import PLATFORM_PERMISSIONS, Permission
from identity.entrypoints.answers import Me
from identity.entrypoints.dependencies import SIGNED_IN, ClientIp, Identifier, LoginDep, PersonDep, TenantsDep
from identity.service_layer import alert_preferences
from identity.service_layer.access import Forbidden, NotFound, require, require_in_agency, require_on_platform
from revgen_common.api_dependencies import DbConnection, Engine
from revgen_common.api_errors import INPUT_ERRORS, documented, error_response
from revgen_common.api_input import InputModel

router = APIRouter(responses=INPUT_ERRORS)


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
