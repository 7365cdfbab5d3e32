"""How a call is answered, decided from the read model and the clock alone (no I/O): in the
client's business hours ring the business line and the on-duty team together; otherwise
(or with nobody to ring) the greeting, then voicemail, or the AI voice's one answer then voicemail."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from revgen_common.business_hours import on_duty

DEFAULT_GREETING = "Thanks for calling. We can't take your call right now. Please leave a message after the tone."
DEFAULT_VOICE = "21m00Tcm4TlvDq8ikWAM"  # ElevenLabs' stock voice "Rachel"
DEFAULT_RING_SECONDS = 20
BUSINESS_LINE = "business"  # who answered, when it was the business's own phone

Route = Literal["ring", "greeting"]


@dataclass(frozen=True)
class Line:
    """A phone to ring: a team member's (`member` is their person id) or the business's."""
    number: str
    member: str


@dataclass(frozen=True)
class CallSetup:
    """What the read model knows of the client a number belongs to."""
    client_id: str
    timezone: str | None
    hours: dict[str, Any] | None
    business_phone: str | None
    greeting: str
    voice_id: str
    mode: Literal["voicemail", "ai"]
    ring_seconds: int
    greeting_audio: uuid.UUID | None  # the cached synthesis of (voice_id, greeting), if any
    business_name: str | None = None  # for the whisper
    caller_name: str | None = None  # the caller, when the client has them as a named lead


def lines_to_ring(setup: CallSetup, team: list[tuple[str, str]]) -> list[Line]:
    """The business line first, then each team member's phone, each number once."""
    lines = [Line(setup.business_phone, BUSINESS_LINE)] if setup.business_phone else []
    for person_id, phone in team:
        if all(line.number != phone for line in lines):
            lines.append(Line(phone, person_id))
    return lines


def route(setup: CallSetup, lines: list[Line], now: datetime) -> Route:
    if lines and on_duty(setup.hours, setup.timezone, now):
        return "ring"
    return "greeting"


MISSED_DIAL = frozenset({"no-answer", "busy", "failed", "canceled"})
ENDED = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
