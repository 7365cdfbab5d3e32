"""The AI voice on the real stack (ADR 0021): after the greeting Twilio listens, the
assistant (the OpenAI fake, through the official SDK) answers what the caller said within a
deadline, and the caller leaves a message; too slow an assistant gives the holding line."""
from revgen_fakes.twilio.webhooks import signed
from voice.domain.ai_voice import LEAVE_A_MESSAGE, holding_line
from voice_testing import CLOSED, TWILIO_AUTH_TOKEN, ZONE, known_client, published, rows, running_voice

QUESTION = "What time do you open tomorrow?"
GREETING = "Thanks for calling Acme Plumbing. How can I help?"


async def test_after_hours_the_assistant_answers_the_callers_question_then_they_leave_a_message_and_a_repeat_asks_nothing(
        infra, all_topics, voice_engine, elevenlabs, openai, clock):
    clock.next_local(ZONE, CLOSED)
    openai.state.responder = lambda messages: "We open at nine in the morning."
    async with running_voice(infra, voice_engine, elevenlabs.url, clock, openai_base_url=openai.url) as voice:
        client = await known_client(infra, voice_engine, name="Acme Plumbing")
        await voice.api.put(f"/clients/{client.client_id}/voice-settings", json={"greeting": GREETING, "mode": "ai"})

        call = await voice.calls.call(voice.incoming_url, from_="+15550007001", to=client.number, says=QUESTION,
                                      voicemail_seconds=11)
        url = f"{voice.base_url}/twilio/voice/ai-heard"
        params = {"CallSid": call.call_sid, "AccountSid": "AC" + "7" * 32, "SpeechResult": QUESTION}
        again = await voice.calls.http.post(url, data=params, headers=signed(url, params, TWILIO_AUTH_TOKEN)[1])

        assert call.said[-2:] == ["We open at nine in the morning.", LEAVE_A_MESSAGE]
        [asked] = openai.state.completions  # once: the repeat got the kept answer
        assert asked.messages[-1] == {"role": "user", "content": QUESTION}
        assert "Acme Plumbing" in asked.messages[0]["content"] and "Monday 09:00-17:00" in asked.messages[0]["content"]
        assert again.status_code == 200 and "We open at nine in the morning." in again.text
        assert await rows(voice_engine, "SELECT ai_heard, ai_answer FROM calls") == [
            {"ai_heard": QUESTION, "ai_answer": "We open at nine in the morning."}]
        [voicemail] = await published(voice_engine, "VoicemailRecorded")
        assert (voicemail["call_sid"], voicemail["duration_seconds"]) == (call.call_sid, 11)


async def test_an_assistant_slower_than_the_deadline_gives_the_caller_the_holding_line_then_voicemail(
        infra, all_topics, voice_engine, elevenlabs, openai, clock):
    clock.next_local(ZONE, CLOSED)
    openai.state.latency = 1.0  # past the 0.3 s deadline; short, so the stopped fake does not wait long
    async with running_voice(infra, voice_engine, elevenlabs.url, clock, openai_base_url=openai.url,
                             ai_answer_seconds=0.3) as voice:
        client = await known_client(infra, voice_engine, name="Acme Plumbing")
        await voice.api.put(f"/clients/{client.client_id}/voice-settings", json={"greeting": GREETING, "mode": "ai"})

        call = await voice.calls.call(voice.incoming_url, from_="+15550007002", to=client.number, says=QUESTION,
                                      voicemail_seconds=6)

        assert call.said[-2:] == [holding_line("Acme Plumbing"), LEAVE_A_MESSAGE]
        assert set(call.webhook_statuses) == {200} and call.recording_sid is not None
