"""Messaging's API (the admin gateway fronts it): profiles and numbers, lead outcomes,
automation runs, usage, and health."""
from __future__ import annotations

import string
import uuid
from datetime import date, time
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import AfterValidator, Field, field_validator

from messaging.adapters import profiles
from messaging.adapters import usage as usage_counts
from messaging.adapters.figures import figures, local_day
from messaging.domain.emails import normalize_address
from messaging.entrypoints.answers import FollowUpsQueued, OutcomeRecorded, Released, RunQueued, Saved, SummariesSent, Usage
from messaging.service_layer.clients import NumberInUse, Profile, UnknownClient
from messaging.service_layer.lead_views import UnknownLead
from revgen_common.api_errors import INPUT_ERRORS, documented, error_response, install_error_handling
from revgen_common.api_input import InputModel, Int32, IsoDate, IsoDateTime, IsoTime, Line, Text
from revgen_common.clock import local_date
from revgen_common.pagination import InvalidCursor
from revgen_common.phones import E164, InvalidPhone, normalize

router = APIRouter(responses=INPUT_ERRORS)
RunId = Annotated[str, Line(100)]
ClientId = Annotated[str, Line(100)]
Weekday = Annotated[int, Field(ge=0, le=6)]  # 0 = Monday; JSON object keys, so "0" counts too
Day = Annotated[IsoDate, Field(ge=date(2000, 1, 1), le=date(2999, 12, 31))]  # a day after it must exist


def _placeholders_known(template: str) -> str:
    """Only {name} and {business}, as they are: anything else would fail at send time, reach
    into objects ({name.__class__}) or pad a text to gigabytes ({name:>999999999})."""
    try:
        parts = [(f, spec, conversion) for _, f, spec, conversion in string.Formatter().parse(template) if f is not None]
    except ValueError as error:
        raise ValueError(f"is not a valid template: {error}") from None
    for field, spec, conversion in parts:
        if field not in ("name", "business") or spec or conversion:
            raise ValueError(f"may only use {{name}} and {{business}}, not {{{field}}}")
    return template


if TYPE_CHECKING:  # bootstrap imports this module, so at run time it cannot be imported back
    from messaging.bootstrap import Messaging as _Services
else:
    _Services = object


async def services(request: Request) -> _Services:  # async: a plain def would run in a thread
    return request.app.state.messaging


Messaging = Annotated[_Services, Depends(services)]


class ProfileIn(InputModel):
    business_name: Annotated[str, Line(200)]
    timezone: Annotated[str, Line(64)] = "America/New_York"
    business_hours: dict[Weekday, Annotated[list[tuple[IsoTime, IsoTime]], Field(max_length=8)]] = Field(
        default_factory=dict)
    quiet_start: IsoTime = time(21, 0)
    quiet_end: IsoTime = time(8, 0)
    persona: Annotated[str, Text(4000)] = ""
    knowledge: Annotated[str, Text(20000)] = ""
    monthly_limit: Annotated[Int32, Field(ge=0)] = 2000
    owner_phone: E164 | None = None
    owner_email: Annotated[str, Field(max_length=254)] | None = None
    numbers: Annotated[list[E164], Field(max_length=100)] = Field(default_factory=list)

    @field_validator("owner_email")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        return normalize_address(value) if value is not None else None  # InvalidAddress is a ValueError: 422

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value


class OutcomeIn(InputModel):
    outcome: Literal["open", "won", "lost"]
    job_value_cents: Annotated[Int32, Field(ge=0)] | None = None


class RunIn(InputModel):
    run_id: RunId
    template: Annotated[str, Text(1600, min_length=1), AfterValidator(_placeholders_known)]
    inactive_days: Annotated[Int32, Field(ge=0, le=3650)] = 90
    lead_ids: Annotated[list[uuid.UUID], Field(max_length=10000)] = Field(default_factory=list)
    due_at: IsoDateTime | None = None


@router.put("/clients/{client_id}/profile", response_model=Saved, responses=documented(404, 409))
async def set_profile(client_id: ClientId, body: ProfileIn, messaging: Messaging):
    """Replace a client's messaging profile (numbers are added, never taken from another client)."""
    hours = {day: [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in spans]
             for day, spans in body.business_hours.items()}
    await messaging.clients.set_profile(client_id, Profile(**{**body.model_dump(), "business_hours": hours}))
    return {"client_id": client_id, "status": "saved"}


@router.post("/numbers/{number}/release", response_model=Released, responses=documented(404, 409))
async def release_number(number: Annotated[str, Line(32)], messaging: Messaging):
    """Release a number; 409 while it had conversations in the last 30 days."""
    await messaging.clients.release_number(normalize(number))
    return {"number": number, "status": "released"}


@router.post("/clients/{client_id}/leads/{lead_id}/outcome", response_model=OutcomeRecorded, responses=documented(404))
async def record_outcome(client_id: ClientId, lead_id: uuid.UUID, body: OutcomeIn, messaging: Messaging):
    await messaging.clients.record_outcome(client_id, str(lead_id), body.outcome, body.job_value_cents)
    return {"lead_id": str(lead_id), "outcome": body.outcome}


@router.post("/clients/{client_id}/automations/{kind}", response_model=FollowUpsQueued | RunQueued)
async def run_automation(client_id: ClientId, kind: Literal["win-back", "no-show", "follow-ups"], body: RunIn,
                         messaging: Messaging):
    """Queue a run over many leads; the same run id never texts a lead twice."""
    automations = messaging.automations
    if kind == "win-back":
        queued = await automations.win_back(client_id, body.run_id, body.template, body.inactive_days)
    elif kind == "no-show":
        queued = await automations.no_show(client_id, body.run_id, body.template, list(map(str, body.lead_ids)))
    else:  # the chosen leads: refused ones named, a repeat of the run counted apart
        done = await automations.schedule_follow_ups(client_id, body.run_id, body.template,
                                                     list(map(str, body.lead_ids)), body.due_at or messaging.clock())
        return {"run_id": body.run_id, "queued": done.scheduled, "already_queued": done.already,
                "refused": done.refused, "unknown": done.unknown}
    return {"run_id": body.run_id, "queued": queued}


@router.post("/summaries/{day}", response_model=SummariesSent)
async def run_summaries(day: Day, messaging: Messaging):
    """Send the day's summaries now (the job also runs hourly); never twice per client and day."""
    return {"day": day.isoformat(), "sent": await messaging.summaries.run(day)}


@router.get("/clients/{client_id}/usage", response_model=Usage, responses=documented(404))
async def usage(client_id: ClientId, messaging: Messaging, day: Annotated[Day | None, Query()] = None):
    """Messages sent this month against the limit, and one day's figures (today by default)."""
    async with messaging.engine.connect() as db:
        profile = await profiles.limit_and_timezone(db, client_id)
        if profile is None:
            raise UnknownClient(f"no client {client_id!r}")
        day = day or local_date(messaging.clock(), profile.timezone)
        month = day.strftime("%Y-%m")
        sent = await usage_counts.sent_in(db, client_id, month)
        day_figures = await figures(db, client_id, *local_day(day, profile.timezone))
    return {"client_id": client_id, "month": month, "sent": sent or 0, "limit": profile.monthly_limit,
            "day": day.isoformat(), "figures": day_figures.as_dict()}




def install_error_handlers(app: FastAPI) -> None:
    install_error_handling(app, {
        NumberInUse: 409,
        UnknownClient: 404,
        UnknownLead: 404,
        InvalidCursor: lambda e: error_response(400, "invalid request", [("query.cursor", str(e))]),
        InvalidPhone: lambda e: error_response(422, "invalid request", [("path.number", str(e))]),
    })
