"""Voice's events (`voice.events`, keyed by client + caller): what became of a call."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from revgen_common.contracts.base import Event
from revgen_common.topics import VOICE_EVENTS

PRODUCED_BY = ("voice",)  # the services that publish these (the AsyncAPI document says so)


class CallEvent(Event, abstract=True, topic=VOICE_EVENTS):
    client_id: str
    call_sid: str
    lead_phone: str  # the caller
    client_number: str  # the client's number they called

    def key(self) -> str:
        return f"{self.client_id}|{self.lead_phone}"


class CallAnswered(CallEvent):
    """A team member took the call (the first of those rung to answer: a hot transfer). It
    counts as their claim of the lead: escalation applies it with its one-winner rule."""

    person_id: str
    answered_at: datetime


class CallEnded(CallEvent):
    """The call is over: `answered` by a member (`person_id`) or the business line, or
    `missed` (after hours, nobody answered, busy, failed), with Twilio's final status."""

    outcome: Literal["answered", "missed"]
    status: str
    duration_seconds: int
    person_id: str | None = None
    ended_at: datetime


class VoicemailRecorded(CallEvent):
    """The caller left a message after the greeting: where Twilio keeps the recording."""

    recording_sid: str
    recording_url: str
    duration_seconds: int
    recorded_at: datetime
