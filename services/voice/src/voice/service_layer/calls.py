"""Calls, as Twilio's voice webhooks tell them: answered from the read model in one
transaction (no Kafka round trip before the answer), each webhook safe to receive again.
What other services must know goes out through the outbox with the change."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.clock import Clock
from revgen_common.contracts.voice import CallAnswered, CallEnded, VoicemailRecorded
from revgen_common.unit_of_work import UnitOfWork
from voice import SERVICE
from voice.adapters import calls_table, greeting_cache, read_model
from voice.domain import answering, twiml
from voice.domain.answering import BUSINESS_LINE, ENDED, MISSED_DIAL, CallSetup
from voice.domain.whispers import whisper_text
from voice.service_layer.greetings import Greetings
from voice.service_layer.recordings import Recordings

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {"greeting": answering.DEFAULT_GREETING, "voice_id": answering.DEFAULT_VOICE,
                            "mode": "voicemail", "ring_seconds": answering.DEFAULT_RING_SECONDS}


class MissingParameter(ValueError):
    pass


def required(params: dict[str, str], *names: str) -> list[str]:
    missing = [name for name in names if not params.get(name)]
    if missing:
        raise MissingParameter(f"missing Twilio parameter(s): {', '.join(missing)}")
    return [params[name] for name in names]


def whole_seconds(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


@dataclass(frozen=True)
class Urls:
    """Where Twilio reaches us (PUBLIC_BASE_URL): the routes of entrypoints/twilio.py."""
    base: str

    def webhook(self, route: str) -> str:
        return f"{self.base}/twilio/voice/{route}"

    def greeting_audio(self, greeting_id: object) -> str:
        return f"{self.base}/greetings/{greeting_id}"


class Calls:
    def __init__(self, engine: AsyncEngine, greetings: Greetings, public_base_url: str, clock: Clock,
                 recordings: Recordings):
        self.engine = engine
        self.greetings = greetings
        self.recordings = recordings
        self.urls = Urls(public_base_url.rstrip("/"))
        self.clock = clock

    async def incoming(self, params: dict[str, str]) -> str:
        call_sid, to, caller = required(params, "CallSid", "To", "From")
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            setup = await read_model.setup_for(db, to, DEFAULTS, caller)
            if setup is None:
                log.warning("call %s to %s: no client has this number", call_sid, to)
                return twiml.not_in_service()
            lines = answering.lines_to_ring(setup, await read_model.team_on_call(db, setup.client_id))
            decided = answering.route(setup, lines, self.clock())
            whisper = (setup.voice_id, whisper_text(setup.business_name, setup.caller_name, caller))
            route = await calls_table.open_call(db, call_sid, setup.client_id, to, caller, decided,
                                                params.get("CallStatus") or "ringing", self.clock(),
                                                whisper if decided == "ring" else None)
            await uow.commit()
        if route == "ring":
            # Synthesised while the phones ring, so whoever answers seconds later hears it
            # from the cache; an answer before it is ready gets <Say> (never a wait).
            self.greetings.prepare(*whisper)
            return twiml.ring(lines, setup.ring_seconds, self.urls.webhook("dial-ended"),
                              self.urls.webhook("member-answered"))
        return self._greeting(setup)

    async def member_answered(self, params: dict[str, str], member: str | None) -> str:
        """An answered leg asks whether it takes the call: the first does, hears the whisper
        and is put through; the others hang up."""
        parent_sid = required(params, "ParentCallSid")[0]
        if not member:
            raise MissingParameter("the member query parameter is missing")
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            won = await calls_table.take(uow.connection, parent_sid, member, self.clock())
            if won is None:
                return twiml.hang_up()
            if won.first and member != BUSINESS_LINE:
                uow.publish(CallAnswered(client_id=won.client_id, call_sid=won.call_sid, lead_phone=won.lead_phone,
                                         client_number=won.client_number, person_id=member,
                                         answered_at=won.answered_at))
            audio = await greeting_cache.cached(uow.connection, won.whisper_voice, won.whisper) if won.whisper else None
            await uow.commit()
        if not won.whisper:
            return twiml.bridge()  # a call rung before whispers were kept
        return twiml.whisper(self.urls.greeting_audio(audio) if audio else None, won.whisper)

    async def dial_ended(self, params: dict[str, str]) -> str:
        """The <Dial> is over: hang up after a conversation; otherwise greeting and voicemail."""
        call_sid, status = required(params, "CallSid", "DialCallStatus")
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            found = await calls_table.call(db, call_sid)
            if found is None:
                return twiml.hang_up()
            await calls_table.set_status(db, call_sid, status)
            setup = await read_model.setup_for(db, found.client_number, DEFAULTS)
            await uow.commit()
        if status not in MISSED_DIAL or setup is None:
            return twiml.hang_up()
        return self._greeting(setup)

    async def status_changed(self, params: dict[str, str]) -> None:
        call_sid, status = required(params, "CallSid", "CallStatus")
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            if await calls_table.call(db, call_sid) is None:
                log.warning("status %s of call %s we never answered: ignored", status, call_sid)
                return
            if not await calls_table.record_status(db, call_sid, status, self.clock()):
                return  # Twilio sent it again
            if status in ENDED:
                ended = await calls_table.end(db, call_sid, status, whole_seconds(params.get("CallDuration")),
                                              self.clock())
                if ended is not None:
                    person = ended.answered_by if ended.answered_by != BUSINESS_LINE else None
                    uow.publish(CallEnded(client_id=ended.client_id, call_sid=call_sid, lead_phone=ended.lead_phone,
                                          client_number=ended.client_number, status=status, person_id=person,
                                          outcome="answered" if ended.answered_by else "missed",
                                          duration_seconds=whole_seconds(params.get("CallDuration")),
                                          ended_at=ended.ended_at))
            else:
                await calls_table.set_status(db, call_sid, status)
            await uow.commit()

    async def recorded(self, params: dict[str, str]) -> None:
        call_sid, recording_sid, url = required(params, "CallSid", "RecordingSid", "RecordingUrl")
        if params.get("RecordingStatus", "completed") != "completed":
            return  # `absent` or `failed`: nothing to listen to
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            found = await calls_table.call(db, call_sid)
            duration = whole_seconds(params.get("RecordingDuration"))
            if found is None or not await calls_table.add_recording(db, recording_sid, call_sid, url, duration,
                                                                    self.clock()):
                return
            uow.publish(VoicemailRecorded(client_id=found.client_id, call_sid=call_sid, lead_phone=found.lead_phone,
                                          client_number=found.client_number, recording_sid=recording_sid,
                                          recording_url=url, duration_seconds=duration, recorded_at=self.clock()))
            await uow.commit()
        self.recordings.keep_soon(recording_sid, url)  # the first delivery only: a repeat returned above

    def _greeting(self, setup: CallSetup) -> str:
        if setup.greeting_audio is None:
            self.greetings.prepare(setup.voice_id, setup.greeting)
        audio_url = self.urls.greeting_audio(setup.greeting_audio) if setup.greeting_audio else None
        return twiml.greeting(audio_url, setup.greeting, self.urls.webhook("recorded"), self.urls.webhook("recording"),
                              self.urls.webhook("ai-heard") if setup.mode == "ai" else None)
