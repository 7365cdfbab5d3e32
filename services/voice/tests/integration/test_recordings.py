"""Voicemail audio on the real stack: fetched from the Twilio fake once (whatever the
callback's repeats), kept in voice and served by its internal API, so no Twilio URL or
credential has to reach the admin UI's browser."""
from revgen_fakes.twilio.voice_calls import fake_recording
from revgen_fakes.twilio.webhooks import signed
from revgen_testing.running import eventually
from voice_testing import ACCOUNT_SID, CLOSED, TWILIO_AUTH_TOKEN, ZONE, known_client, rows, running_voice


async def test_a_voicemail_is_fetched_from_twilio_once_and_served_by_voice_to_its_own_client_only(
        infra, all_topics, voice_engine, elevenlabs, twilio, clock):
    clock.next_local(ZONE, CLOSED)
    async with running_voice(infra, voice_engine, elevenlabs.url, clock, twilio_url=twilio.url) as voice:
        client = await known_client(infra, voice_engine)
        call = await voice.calls.call(voice.incoming_url, from_="+15550009001", to=client.number, voicemail_seconds=8)
        await eventually(lambda: rows(voice_engine, "SELECT 1 FROM recordings WHERE audio IS NOT NULL"))
        url = f"{voice.base_url}/twilio/voice/recording"
        repeat = {"CallSid": call.call_sid, "AccountSid": ACCOUNT_SID, "RecordingSid": call.recording_sid,
                  "RecordingUrl": f"{twilio.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{call.recording_sid}",
                  "RecordingStatus": "completed", "RecordingDuration": "8"}
        assert (await voice.calls.http.post(url, data=repeat, headers=signed(url, repeat, TWILIO_AUTH_TOKEN)[1])
                ).status_code == 200

        served = await voice.api.get(f"/clients/{client.client_id}/calls/{call.call_sid}/recording")
        elsewhere = await voice.api.get(f"/clients/someone-else/calls/{call.call_sid}/recording")
        [listed] = (await voice.api.get(f"/clients/{client.client_id}/calls")).json()["data"]

        assert served.status_code == 200 and served.content == fake_recording(call.recording_sid)
        assert served.headers["content-type"] == "audio/mpeg"
        assert elsewhere.status_code == 404
        assert (listed["voicemail_seconds"], listed["voicemail_kept"]) == (8, True)
        assert twilio.state.recording_fetches == [call.recording_sid]  # once, though the callback came twice
