"""/api/v1 claims: the claim link texted to a team member, taken or closed over the API.

The token is the credential (rules.ClaimLink): exactly one person ever gets the lead; the
others get 409 and who has it."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gateway.adapters.services import Refused
from gateway.domain.rules import ClaimLink
from gateway.entrypoints.dependencies import GatewayDep
from gateway.entrypoints.route_table import RouteTable

table = RouteTable(prefix="/api/v1", tags=["escalations"])
Token = Annotated[str, Path(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


class Claimed(BaseModel):
    status: str
    escalation_id: uuid.UUID
    lead_phone: str


class Resolved(BaseModel):
    status: str


class ClaimRefused(BaseModel):
    error: str
    owner: str | None = None
    status: str | None = None


@table.post("/claims/{token}", rule=ClaimLink(), response_model=Claimed,
            responses={404: {"description": "no such link"}, 409: {"model": ClaimRefused}})
async def claim(token: Token, gw: GatewayDep):
    """Take the lead."""
    return await _claim_link(gw, f"/claim/{token}")


@table.post("/claims/{token}/resolve", rule=ClaimLink(), response_model=Resolved,
            responses={409: {"model": ClaimRefused}})
async def resolve(token: Token, gw: GatewayDep):
    """The owner closes the escalation."""
    return await _claim_link(gw, f"/claim/{token}/resolve")


async def _claim_link(gw, path: str):
    try:
        return (await gw.escalation.json("POST", path))[1]
    except Refused as refused:
        if refused.status != 409:
            raise
        return JSONResponse(ClaimRefused(error=refused.reason, owner=refused.body.get("owner"),
                                         status=refused.body.get("status")).model_dump(), status_code=409)
