"""Messaging's API (the admin gateway fronts it): profiles and numbers, lead outcomes,
automation runs, usage, and health."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import text

from messaging.domain.phones import InvalidPhone, normalize
from messaging.service_layer.clients import NumberInUse, Profile, UnknownClient
from messaging.service_layer.figures import figures, local_day
from revgen_common.clock import local_date

router = APIRouter()
E164 = Annotated[str, Field(pattern=r"^\+[1-9]\d{6,14}$")]
RunId = Annotated[str, Field(min_length=1, max_length=100)]


def services(request: Request):
    return request.app.state.messaging


Messaging = Annotated[object, Depends(services)]


class ProfileIn(BaseModel):
    business_name: str = Field(min_length=1, max_length=200)
    timezone: str = "America/New_York"
    business_hours: dict[int, list[tuple[time, time]]] = Field(default_factory=dict)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    persona: str = Field(default="", max_length=4000)
    knowledge: str = Field(default="", max_length=20000)
    monthly_limit: int = Field(default=2000, ge=0)
    owner_phone: E164 | None = None
    numbers: list[E164] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value


class OutcomeIn(BaseModel):
    outcome: Literal["open", "won", "lost"]
    job_value_cents: int | None = Field(default=None, ge=0)


class RunIn(BaseModel):
    run_id: RunId
    template: str = Field(min_length=1, max_length=1600)
    inactive_days: int = Field(default=90, ge=0)
    lead_ids: list[str] = Field(default_factory=list, max_length=10000)
    due_at: datetime | None = None


@router.put("/clients/{client_id}/profile")
async def set_profile(client_id: str, body: ProfileIn, messaging: Messaging) -> dict:
    """Replace a client's messaging profile (numbers are added, never taken from another client)."""
    hours = {day: [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in spans]
             for day, spans in body.business_hours.items()}
    await messaging.clients.set_profile(client_id, Profile(**{**body.model_dump(), "business_hours": hours}))
    return {"client_id": client_id, "status": "saved"}


@router.post("/numbers/{number}/release")
async def release_number(number: str, messaging: Messaging) -> dict:
    """Release a number; 409 while it had conversations in the last 30 days."""
    await messaging.clients.release_number(normalize(number))
    return {"number": number, "status": "released"}


@router.post("/clients/{client_id}/leads/{lead_id}/outcome")
async def record_outcome(client_id: str, lead_id: str, body: OutcomeIn, messaging: Messaging) -> dict:
    await messaging.clients.record_outcome(client_id, lead_id, body.outcome, body.job_value_cents)
    return {"lead_id": lead_id, "outcome": body.outcome}


@router.post("/clients/{client_id}/automations/{kind}")
async def run_automation(client_id: str, kind: Literal["win-back", "no-show", "follow-ups"], body: RunIn,
                         messaging: Messaging) -> dict:
    """Queue a run over many leads; the same run id never texts a lead twice."""
    automations = messaging.automations
    if kind == "win-back":
        queued = await automations.win_back(client_id, body.run_id, body.template, body.inactive_days)
    elif kind == "no-show":
        queued = await automations.no_show(client_id, body.run_id, body.template, body.lead_ids)
    else:
        queued = await automations.schedule_follow_ups(client_id, body.run_id, body.template, body.lead_ids,
                                                       body.due_at or messaging.clock())
    return {"run_id": body.run_id, "queued": queued}


@router.post("/summaries/{day}")
async def run_summaries(day: date, messaging: Messaging) -> dict:
    """Send the day's summaries now (the job also runs hourly); never twice per client and day."""
    return {"day": day.isoformat(), "sent": await messaging.summaries.run(day)}


@router.get("/clients/{client_id}/usage")
async def usage(client_id: str, messaging: Messaging, day: date | None = None) -> dict:
    """Messages sent this month against the limit, and one day's figures (today by default)."""
    async with messaging.engine.connect() as db:
        profile = (await db.execute(text("SELECT monthly_limit, timezone FROM profiles WHERE client_id = :c"),
                                    {"c": client_id})).first()
        if profile is None:
            raise UnknownClient(f"no client {client_id!r}")
        day = day or local_date(messaging.clock(), profile.timezone)
        month = day.strftime("%Y-%m")
        sent = await db.scalar(text("SELECT sent FROM usage WHERE client_id = :c AND month = :m"), {"c": client_id, "m": month})
        day_figures = await figures(db, client_id, *local_day(day, profile.timezone))
    return {"client_id": client_id, "month": month, "sent": sent or 0, "limit": profile.monthly_limit,
            "day": day.isoformat(), "figures": day_figures.as_dict()}


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(messaging: Messaging) -> JSONResponse:
    try:
        async with messaging.engine.connect() as db:
            await db.execute(text("SELECT 1"))
    except Exception as error:
        return JSONResponse({"status": "unavailable", "database": str(error)}, status_code=503)
    return JSONResponse({"status": "ready"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NumberInUse, lambda r, e: JSONResponse({"error": str(e)}, status_code=409))
    app.add_exception_handler(UnknownClient, lambda r, e: JSONResponse({"error": str(e)}, status_code=404))
    app.add_exception_handler(InvalidPhone, lambda r, e: JSONResponse({"error": str(e)}, status_code=422))
