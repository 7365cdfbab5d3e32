"""The claim links team members tap, and health."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from escalation.service_layer.escalations import ClaimRefused, Escalations, UnknownLink
from revgen_common.api_errors import INPUT_ERRORS, documented, error_response, install_error_handling
from revgen_common.api_input import Line

router = APIRouter(responses=INPUT_ERRORS)
Token = Line(100)


async def escalations(request: Request) -> Escalations:
    return request.app.state.escalations


EscalationsDep = Annotated[Escalations, Depends(escalations)]


class ClaimRefusal(BaseModel):
    """409: someone else has it (`owner`), or it is no longer open (`status`)."""
    error: str
    owner: str | None
    status: str


@router.post("/claim/{token}", responses={**documented(404), 409: {"model": ClaimRefusal}})
async def claim(token: Token, escalations: EscalationsDep) -> dict:
    """Take the lead. Exactly one person ever gets 'it's yours'; the others get 409 and the owner."""
    claimed = await escalations.claim(token)
    return {"status": "claimed", "escalation_id": str(claimed.escalation_id), "lead_phone": claimed.lead_phone}


@router.post("/claim/{token}/resolve", responses={**documented(404), 409: {"model": ClaimRefusal}})
async def resolve(token: Token, escalations: EscalationsDep) -> dict:
    """The owner closes the escalation."""
    await escalations.resolve(token)
    return {"status": "resolved"}



def install_error_handlers(app: FastAPI) -> None:
    install_error_handling(app, {
        UnknownLink: lambda e: error_response(404, "unknown link"),
        ClaimRefused: lambda e: JSONResponse({"error": str(e), "owner": e.owner_name, "status": e.status},
                                             status_code=409),
    })
