"""The claim links team members tap, and health."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from escalation.service_layer.escalations import ClaimRefused, Escalations, UnknownLink

router = APIRouter()


async def escalations(request: Request) -> Escalations:
    return request.app.state.escalations


EscalationsDep = Annotated[Escalations, Depends(escalations)]


@router.post("/claim/{token}")
async def claim(token: str, escalations: EscalationsDep) -> dict:
    """Take the lead. Exactly one person ever gets 'it's yours'; the others get 409 and the owner."""
    claimed = await escalations.claim(token)
    return {"status": "claimed", "escalation_id": str(claimed.escalation_id), "lead_phone": claimed.lead_phone}


@router.post("/claim/{token}/resolve")
async def resolve(token: str, escalations: EscalationsDep) -> dict:
    """The owner closes the escalation."""
    await escalations.resolve(token)
    return {"status": "resolved"}


@router.get("/healthz")
async def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(UnknownLink, lambda r, e: JSONResponse({"error": "unknown link"}, status_code=404))
    app.add_exception_handler(ClaimRefused, lambda r, e: JSONResponse(
        {"error": str(e), "owner": e.owner_name, "status": e.status}, status_code=409))
