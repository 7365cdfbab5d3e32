"""Calls on the real stack: Kafka feeding voice's read model, PostgreSQL, the ElevenLabs
fake, and Twilio's side played by the voice fake (signed webhooks, TwiML run verb by verb)."""
import json
import uuid

from sqlalchemy.ext.asyncio import create_async_engine

from escalation.bootstrap import create_app as escalation_app
from escalation.migrate import upgrade_database as upgrade_escalation
from escalation.settings import EscalationSettings
from revgen_common.testing.internal_api import TEST_API_TOKEN
from revgen_common.topics import ESCALATION_GROUP
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.elevenlabs import fake_audio
from revgen_fakes.twilio.messages import new_sid
from revgen_fakes.twilio.webhooks import signed
from revgen_testing.kafka_io import start_groups_at_end
from revgen_testing.running import eventually
from voice_testing import CLOSED, OPEN, ZONE, known_client, published, rows, running_voice

GREETING = "Thanks for calling Acme Plumbing. Leave us a message and we'll call you right back."
VOICE = "voice-acme"
BUSINESS_LINE = "+15557770000"


async def test_in_business_hours_the_first_team_phone_to_answer_takes_the_call_and_the_lead(
        infra, all_topics, voice_engine, elevenlabs, clock, migrated_database):
    escalation_engine = create_async_engine(await migrated_database("escalation", upgrade_escalation))
    escalation_port = free_port()
    escalation = EscalationSettings(kafka_bootstrap_servers=infra.bootstrap_servers, port=escalation_port,
                                    escalation_database_url=escalation_engine.url.render_as_string(hide_password=False),
                                    claim_base_url="https://app.revgen.example", escalation_api_token=TEST_API_TOKEN)
    clock.next_local(ZONE, OPEN)
    # Escalation deployed now: the suite's earlier events on its topics are not its to work through.
    await start_groups_at_end(infra.bootstrap_servers, [ESCALATION_GROUP])
    try:
        async with serve_app(escalation_app(escalation, clock), escalation_port), \
                running_voice(infra, voice_engine, elevenlabs.url, clock) as voice:
            client = await known_client(infra, voice_engine, team_size=2)
            await voice.api.put(f"/clients/{client.client_id}/voice-settings",
                                json={"greeting": GREETING, "voice_id": VOICE, "business_phone": BUSINESS_LINE})
            first, second = (m.phone for m in client.team)

            call = await voice.calls.call(voice.incoming_url, from_="+15550001111", to=client.number,
                                          phones={first: 0.0, second: 0.1, BUSINESS_LINE: None})

            assert call.dialed == [BUSINESS_LINE, first, second]  # all rung together
            assert call.connected == [first] and call.refused == [second]
            assert set(call.webhook_statuses) == {200}
            [record] = await rows(voice_engine, "SELECT answered_by, status FROM calls WHERE call_sid = :s",
                                  s=call.call_sid)
            assert record == {"answered_by": client.team[0].person_id, "status": "completed"}
            [answered] = await published(voice_engine, "CallAnswered")
            assert answered["person_id"] == client.team[0].person_id
            [ended] = await published(voice_engine, "CallEnded")
            assert (ended["outcome"], ended["person_id"]) == ("answered", client.team[0].person_id)

            claimed = await eventually(lambda: rows(
                escalation_engine, "SELECT request_id, status, claimed_by FROM escalations WHERE client_id = :c "
                "AND status = 'claimed'", c=client.client_id), timeout=60)
            assert claimed == [{"request_id": f"call:{call.call_sid}", "status": "claimed",
                                "claimed_by": client.team[0].person_id}]
            outcomes = [json.loads(o["value"]) for o in await rows(
                escalation_engine, "SELECT value FROM outbox WHERE topic = 'escalation.events'")]
            # (the session's Kafka holds other tests' calls too: this client's claims only)
            assert [o["payload"]["person_id"] for o in outcomes
                    if o["type"] == "EscalationClaimed" and o["client_id"] == client.client_id] == [
                client.team[0].person_id]
    finally:
        await escalation_engine.dispose()


async def test_after_hours_the_caller_hears_the_elevenlabs_greeting_then_leaves_a_voicemail(
        infra, all_topics, voice_engine, elevenlabs, clock):
    clock.next_local(ZONE, CLOSED)
    async with running_voice(infra, voice_engine, elevenlabs.url, clock) as voice:
        client = await known_client(infra, voice_engine)
        await voice.api.put(f"/clients/{client.client_id}/voice-settings", json={"greeting": GREETING, "voice_id": VOICE})
        await eventually(lambda: rows(voice_engine, "SELECT id FROM greetings"))  # synthesised when saved

        call = await voice.calls.call(voice.incoming_url, from_="+15550002222", to=client.number,
                                      phones={m.phone: 0.0 for m in client.team}, voicemail_seconds=14)
        again = await voice.calls.call(voice.incoming_url, from_="+15550003333", to=client.number)

        assert call.dialed == [] and call.said == []  # nobody rung after hours; no robot voice either
        assert call.played == [fake_audio(VOICE, GREETING)] == again.played
        assert elevenlabs.state.syntheses == [(VOICE, GREETING)]  # once, for both calls
        [voicemail] = await published(voice_engine, "VoicemailRecorded")
        assert (voicemail["call_sid"], voicemail["recording_sid"], voicemail["duration_seconds"]) == (
            call.call_sid, call.recording_sid, 14)
        ended = {e["call_sid"]: e["outcome"] for e in await published(voice_engine, "CallEnded")}
        assert ended == {call.call_sid: "missed", again.call_sid: "missed"}


async def test_with_elevenlabs_down_the_caller_still_hears_the_greeting_through_twilio_say(
        infra, all_topics, voice_engine, elevenlabs, clock):
    clock.next_local(ZONE, CLOSED)
    elevenlabs.faults.script("503", "502", "429:retry_after=0", "500", path_prefix="/v1/text-to-speech")
    async with running_voice(infra, voice_engine, elevenlabs.url, clock) as voice:
        client = await known_client(infra, voice_engine)
        await voice.api.put(f"/clients/{client.client_id}/voice-settings", json={"greeting": GREETING, "voice_id": VOICE})
        await eventually(lambda: _requests(elevenlabs, 4))  # four tries with backoff, then it gives up

        call = await voice.calls.call(voice.incoming_url, from_="+15550004444", to=client.number)

        assert call.said == [GREETING] and call.played == []
        assert set(call.webhook_statuses) == {200}
        assert await rows(voice_engine, "SELECT id FROM greetings") == []


async def test_the_same_incoming_call_webhook_three_times_is_one_call_record_with_one_answer(
        infra, all_topics, voice_engine, elevenlabs, clock):
    clock.next_local(ZONE, OPEN)
    async with running_voice(infra, voice_engine, elevenlabs.url, clock) as voice:
        client = await known_client(infra, voice_engine)
        call_sid = new_sid("CA")
        params, headers = voice.calls.incoming_request(voice.incoming_url, "+15550005555", client.number, call_sid)
        answers = [await voice.calls.http.post(voice.incoming_url, data=params, headers=headers) for _ in range(3)]

        assert [a.status_code for a in answers] == [200] * 3
        assert answers[0].text == answers[1].text == answers[2].text and "<Dial" in answers[0].text
        assert len(await rows(voice_engine, "SELECT 1 FROM calls WHERE call_sid = :s", s=call_sid)) == 1


async def test_a_forged_or_unsigned_voice_webhook_gets_403_and_nothing_is_recorded(
        infra, all_topics, voice_engine, elevenlabs, clock):
    async with running_voice(infra, voice_engine, elevenlabs.url, clock) as voice:
        client = await known_client(infra, voice_engine)
        url = voice.incoming_url
        params = {"CallSid": new_sid("CA"), "From": "+15550006666", "To": client.number, "CallStatus": "ringing"}
        forged = signed(url, params, "not-the-auth-token")[1]
        other_url = signed(url.replace("incoming", "status"), params, "twilio-voice-test-token")[1]
        tampered = signed(url, {**params, "From": "+15550007777"}, "twilio-voice-test-token")[1]
        answered = signed(f"{voice.base_url}/twilio/voice/member-answered?member=x",
                          {**params, "ParentCallSid": params["CallSid"]}, "not-the-auth-token")

        for headers in (forged, other_url, tampered, {}):
            response = await voice.calls.http.post(url, data=params, headers=headers)
            assert response.status_code == 403, response.text
        assert (await voice.calls.http.post(f"{voice.base_url}/twilio/voice/member-answered?member=x",
                                            data=answered[0], headers=answered[1])).status_code == 403
        assert (await voice.calls.http.post(f"{voice.base_url}/twilio/voice/member-answered",
                                            data=params)).status_code == 403  # unsigned, whatever else is missing
        assert await rows(voice_engine, "SELECT call_sid FROM calls") == []
        assert await rows(voice_engine, "SELECT id FROM outbox") == []


async def test_a_call_to_a_number_no_client_has_is_told_so_not_left_in_silence(
        infra, all_topics, voice_engine, elevenlabs, clock):
    async with running_voice(infra, voice_engine, elevenlabs.url, clock) as voice:
        call = await voice.calls.call(voice.incoming_url, from_="+15550008888", to=f"+1999{uuid.uuid4().int % 10**7:07d}")
        assert call.said == ["Sorry, this number is not in service."]
        assert await rows(voice_engine, "SELECT call_sid FROM calls") == []


async def _requests(elevenlabs, count: int) -> bool:
    return elevenlabs.state.requests.count("POST", "/v1/text-to-speech") >= count
