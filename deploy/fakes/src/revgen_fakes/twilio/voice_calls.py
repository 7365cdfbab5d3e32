"""Twilio Voice, played against our TwiML: an inbound call as Twilio runs it. It POSTs the
signed incoming-call webhook, runs the TwiML it gets back verb by verb — <Say>, <Play>
(the audio fetched like Twilio fetches it), <Dial> with simultaneous <Number>s (each phone
that picks up runs its <Number url> on the answered leg: the first leg whose document does
not hang up hears that document's <Say>/<Play> — the whisper — and is bridged), the
<Dial> action, <Record> with its action and recording status callback, <Gather
input="speech"> (its nested <Say>/<Play>, then what the caller `says` posted to its action as
SpeechResult; a silent caller falls through to the next verb), <Connect><Stream>, <Hangup> —
and ends with the call's status callback.

    voice = VoiceCalls(http, auth_token=..., account_sid=..., status_callback_url=...)
    call = await voice.call(incoming_url, from_="+15550001111", to="+15559998888",
                            phones={"+15551110001": 0.0, "+15551110002": 0.1})
    call.connected  # the numbers bridged to the caller

Time is compressed: a phone that never answers does not make the fake wait the <Dial>
timeout; the answers themselves happen at their real offsets (0.1 s apart is 0.1 s apart).
"""
from __future__ import annotations

import asyncio
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import httpx

from revgen_fakes.twilio.messages import API_VERSION, new_sid
from revgen_fakes.twilio.webhooks import signed


def fake_recording(recording_sid: str) -> bytes:
    """A voicemail's audio as the fake serves it: an MP3 frame header and bytes derived from
    the sid, so a test can tell which recording it was given."""
    return b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64" + hashlib.sha256(recording_sid.encode()).digest() * 32


def is_recording_sid(sid: str) -> bool:
    return re.fullmatch(r"RE[0-9a-f]{32}", sid) is not None


@dataclass
class VoiceCall:
    call_sid: str
    documents: list[str] = field(default_factory=list)  # every TwiML document fetched, in order
    said: list[str] = field(default_factory=list)
    played: list[bytes] = field(default_factory=list)  # the audio each <Play> fetched
    dialed: list[str] = field(default_factory=list)
    connected: list[str] = field(default_factory=list)  # Twilio bridges one; more would be our bug
    refused: list[str] = field(default_factory=list)  # answered legs told to hang up
    whispers: dict[str, list[str | bytes]] = field(default_factory=dict)  # what each bridged leg heard first
    recording_sid: str | None = None
    streamed_to: str | None = None
    webhook_statuses: list[int] = field(default_factory=list)  # every answer our side gave


class VoiceCalls:
    def __init__(self, http: httpx.AsyncClient, *, auth_token: str, account_sid: str, status_callback_url: str,
                 api_base: str = "https://api.twilio.com"):
        self.http = http
        self.api_base = api_base  # where a voicemail's RecordingUrl points: the Twilio fake's port, in tests
        self.auth_token = auth_token
        self.account_sid = account_sid
        self.status_callback_url = status_callback_url

    def incoming_request(self, url: str, from_: str, to: str, call_sid: str,
                         status: str = "ringing") -> tuple[dict[str, str], dict[str, str]]:
        """The incoming-call webhook, signed, as Twilio sends it to the number's Voice URL."""
        return signed(url, {"CallSid": call_sid, "AccountSid": self.account_sid, "From": from_, "To": to,
                            "Caller": from_, "Called": to, "CallStatus": status, "Direction": "inbound",
                            "ApiVersion": API_VERSION, "FromCountry": "US", "ToCountry": "US"}, self.auth_token)

    async def call(self, incoming_url: str, *, from_: str, to: str, phones: dict[str, float | None] | None = None,
                   voicemail_seconds: int = 0, talk_seconds: int = 30, says: str | None = None) -> VoiceCall:
        """`phones`: seconds after the <Dial> starts at which each number picks up (None: never).
        `says`: what the caller says when a <Gather input="speech"> listens (None: silence)."""
        call = VoiceCall(new_sid("CA"))
        self._says = says
        self._base = {"AccountSid": self.account_sid, "From": from_, "To": to, "ApiVersion": API_VERSION}
        params, headers = self.incoming_request(incoming_url, from_, to, call.call_sid)
        document = await self._fetch(call, incoming_url, params, headers)
        while document is not None:
            document = await self._run(call, document, phones or {}, voicemail_seconds)
        duration = talk_seconds if call.connected else voicemail_seconds
        await self._post(call, self.status_callback_url, {"CallSid": call.call_sid, **self._base,
                                                          "CallStatus": "completed", "CallDuration": str(duration),
                                                          "Direction": "inbound"})
        return call

    async def _run(self, call: VoiceCall, document: str, phones: dict[str, float | None],
                   voicemail_seconds: int) -> str | None:
        """Runs one document; the next one to run (an action's), or None when the call ends."""
        for verb in ET.fromstring(document):
            if verb.tag in ("Say", "Play"):
                await self._speak(call, verb)
            elif verb.tag == "Gather":
                for spoken in verb:
                    await self._speak(call, spoken)
                if self._says is not None and verb.get("action"):
                    return await self._gathered(call, verb)
            elif verb.tag == "Dial":
                return await self._dial(call, verb, phones)
            elif verb.tag == "Record":
                return await self._record(call, verb, voicemail_seconds)
            elif verb.tag == "Connect":
                stream = verb.find("Stream")
                call.streamed_to = stream.get("url") if stream is not None else None
                return None
            elif verb.tag == "Hangup":
                return None
        return None

    async def _speak(self, call: VoiceCall, verb: ET.Element) -> None:
        if verb.tag == "Say":
            call.said.append(verb.text or "")
        elif verb.tag == "Play":
            played = await self.http.get(verb.text or "")
            assert played.status_code == 200, f"<Play> {verb.text} answered {played.status_code}"
            call.played.append(played.content)

    async def _gathered(self, call: VoiceCall, gather: ET.Element) -> str | None:
        action = gather.get("action") or ""
        return await self._fetch(call, action, *signed(action, {
            "CallSid": call.call_sid, **self._base, "CallStatus": "in-progress", "SpeechResult": self._says or "",
            "Confidence": "0.92", "Language": gather.get("language", "en-US")}, self.auth_token))

    async def _dial(self, call: VoiceCall, dial: ET.Element, phones: dict[str, float | None]) -> str | None:
        numbers = [(n.text or "", n.get("url")) for n in dial.findall("Number")]
        call.dialed += [number for number, _ in numbers]

        async def answer(number: str, url: str | None, after: float) -> None:
            await asyncio.sleep(after)
            if url is None:
                call.connected.append(number)
                return
            leg = {"CallSid": new_sid("CA"), "ParentCallSid": call.call_sid, "AccountSid": self.account_sid,
                   "From": self._base["From"], "To": number, "CallStatus": "in-progress",
                   "Direction": "outbound-dial", "ApiVersion": API_VERSION}
            document = await self._fetch(call, url, *signed(url, leg, self.auth_token))
            hangs_up = document is not None and ET.fromstring(document).find("Hangup") is not None
            if not hangs_up and document is not None:
                call.whispers[number] = await self._heard(ET.fromstring(document))
            (call.refused if hangs_up else call.connected).append(number)

        await asyncio.gather(*(answer(number, url, after) for number, url in numbers
                               if (after := phones.get(number)) is not None))
        action = dial.get("action")
        if action is None:
            return None
        status = "completed" if call.connected else "no-answer"
        return await self._fetch(call, action, *signed(action, {
            "CallSid": call.call_sid, **self._base, "CallStatus": "in-progress", "DialCallStatus": status,
            "DialCallSid": new_sid("CA"), "DialCallDuration": "30" if call.connected else "0"}, self.auth_token))

    async def _heard(self, document: ET.Element) -> list[str | bytes]:
        """A leg's whisper: the text of each <Say>, the audio each <Play> fetched."""
        heard: list[str | bytes] = []
        for verb in document:
            if verb.tag == "Say":
                heard.append(verb.text or "")
            elif verb.tag == "Play":
                played = await self.http.get(verb.text or "")
                assert played.status_code == 200, f"whisper <Play> {verb.text} answered {played.status_code}"
                heard.append(played.content)
        return heard

    async def _record(self, call: VoiceCall, record: ET.Element, seconds: int) -> str | None:
        if seconds <= 0:
            return None  # the caller hung up at the beep
        call.recording_sid = new_sid("RE")
        url = f"{self.api_base}/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{call.recording_sid}"
        recorded = {"CallSid": call.call_sid, **self._base, "RecordingSid": call.recording_sid,
                    "RecordingUrl": url, "RecordingDuration": str(seconds), "Digits": "hangup"}
        callback = record.get("recordingStatusCallback")
        if callback:
            await self._post(call, callback, {"CallSid": call.call_sid, "AccountSid": self.account_sid,
                                              "RecordingSid": call.recording_sid, "RecordingUrl": url,
                                              "RecordingStatus": "completed", "RecordingDuration": str(seconds),
                                              "RecordingChannels": "1", "RecordingSource": "RecordVerb"})
        action = record.get("action")
        return await self._fetch(call, action, *signed(action, recorded, self.auth_token)) if action else None

    async def _fetch(self, call: VoiceCall, url: str, params: dict[str, str], headers: dict[str, str]) -> str | None:
        response = await self.http.post(url, data=params, headers=headers)
        call.webhook_statuses.append(response.status_code)
        if response.status_code != 200:
            return None  # Twilio would say "an application error has occurred"
        call.documents.append(response.text)
        return response.text

    async def _post(self, call: VoiceCall, url: str, params: dict[str, str]) -> None:
        response = await self.http.post(url, data=params, headers=signed(url, params, self.auth_token)[1])
        call.webhook_statuses.append(response.status_code)
