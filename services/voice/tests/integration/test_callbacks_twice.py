"""Twilio delivers a callback again when our answer is slow or lost: every voice webhook,
received twice, changes nothing the second time and answers the same."""
from revgen_fakes.twilio.webhooks import signed
from voice_testing import CLOSED, OPEN, TWILIO_AUTH_TOKEN, ZONE, known_client, published, rows, running_voice


async def test_every_callback_of_a_call_received_twice_publishes_each_outcome_once(
        infra, all_topics, voice_engine, elevenlabs, clock):
    clock.next_local(ZONE, OPEN)
    async with running_voice(infra, voice_engine, elevenlabs.url, clock) as voice:
        client = await known_client(infra, voice_engine)
        first, second = (m.phone for m in client.team)
        call = await voice.calls.call(voice.incoming_url, from_="+15550001212", to=client.number,
                                      phones={first: 0.0, second: 0.05})
        base = f"{voice.base_url}/twilio/voice"
        winner, loser = (m.person_id for m in client.team)

        async def again(path: str, **params: str) -> str:
            url = f"{base}/{path}"
            body = {"CallSid": call.call_sid, "AccountSid": "AC" + "7" * 32, "From": "+15550001212",
                    "To": client.number, **params}
            response = await voice.calls.http.post(url, data=body, headers=signed(url, body, TWILIO_AUTH_TOKEN)[1])
            assert response.status_code == 200
            return response.text

        assert "<Hangup" not in await again(f"member-answered?member={winner}", ParentCallSid=call.call_sid)
        assert "<Hangup" in await again(f"member-answered?member={loser}", ParentCallSid=call.call_sid)
        await again("status", CallStatus="completed", CallDuration="30")
        clock.next_local(ZONE, CLOSED)  # the next call goes to voicemail
        voicemail = await voice.calls.call(voice.incoming_url, from_="+15550001313", to=client.number,
                                           voicemail_seconds=9)
        for _ in range(2):
            await voice.calls.http.post(f"{base}/recording", data=(p := {
                "CallSid": voicemail.call_sid, "AccountSid": "AC" + "7" * 32, "RecordingSid": voicemail.recording_sid,
                "RecordingUrl": "https://api.twilio.com/r", "RecordingStatus": "completed", "RecordingDuration": "9"}),
                headers=signed(f"{base}/recording", p, TWILIO_AUTH_TOKEN)[1])

        assert [a["person_id"] for a in await published(voice_engine, "CallAnswered")] == [winner]
        assert sorted(e["call_sid"] for e in await published(voice_engine, "CallEnded")) == sorted(
            [call.call_sid, voicemail.call_sid])
        assert len(await published(voice_engine, "VoicemailRecorded")) == 1
        assert len(await rows(voice_engine, "SELECT 1 FROM recordings")) == 1
