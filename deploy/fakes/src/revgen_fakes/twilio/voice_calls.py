"""Twilio Voice, played against our TwiML: an inbound call as Twilio runs it. It POSTs the
signed incoming-call webhook, runs the TwiML it gets back verb by verb — <Say>, <Play>
(the audio fetched like Twilio fetches it), <Dial> with simultaneous <Number>s (each phone
that picks up runs its <Number url> on the answered leg: the first leg whose document does
not hang up is bridged), the <Dial> action, <Record> with its action and recording status
callback, <Connect><Stream>, <Hangup> — and ends with the call's status callback.

    voice = VoiceCalls(http, auth_token=..., account_sid=..., status_callback_url=...)
    call = await voice.call(incoming_url, from_="+15550001111", to="+15559998888",
                            phones={"+15551110001": 0.0, "+15551110002": 0.1})
    call.connected  # the numbers bridged to the caller

Time is compressed: a phone that never answers does not make the fake wait the <Dial>
timeout; the answers themselves happen at their real offsets (0.1 s apart is 0.1 s apart).
"""
from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import httpx

from revgen_fakes.twilio.messages import API_VERSION, new_sid
from revgen_fakes.twilio.webhooks import signed


@dataclass
class VoiceCall:
    call_sid: str
    documents: list[str] = field(default_factory=list)  # every TwiML document fetched, in order
    said: list[str] = field(default_factory=list)
    played: list[bytes] = field(default_factory=list)  # the audio each <Play> fetched
    dialed: list[str] = field(default_factory=list)
    connected: list[str] = field(default_factory=list)  # Twilio bridges one; more would be our bug
    refused: list[str] = field(default_factory=list)  # answered legs told to hang up
    recording_sid: str | None = None
    streamed_to: str | None = None
    webhook_statuses: list[int] = field(default_factory=list)  # every answer our side gave


class VoiceCalls:
    def __init__(self, http: httpx.AsyncClient, *, auth_token: str, account_sid: str, status_callback_url: str):
        self.http = http
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
                   voicemail_seconds: int = 0, talk_seconds: int = 30) -> VoiceCall:
        """`phones`: seconds after the <Dial> starts at which each number picks up (None: never)."""
        call = VoiceCall(new_sid("CA"))
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
            if verb.tag == "Say":
                call.said.append(verb.text or "")
            elif verb.tag == "Play":
                played = await self.http.get(verb.text or "")
                assert played.status_code == 200, f"<Play> {verb.text} answered {played.status_code}"
                call.played.append(played.content)
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

    async def _record(self, call: VoiceCall, record: ET.Element, seconds: int) -> str | None:
        if seconds <= 0:
            return None  # the caller hung up at the beep
        call.recording_sid = new_sid("RE")
        url = f"https://api.twilio.com/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{call.recording_sid}"
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
