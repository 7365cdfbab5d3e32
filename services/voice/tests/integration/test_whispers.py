"""Whispers on the real stack: whoever picks up a rung-through call first hears whose call
it is, spoken by ElevenLabs from the cache, or by Twilio's <Say> while it is not cached yet
(the answer never waits on a synthesis)."""
from revgen_fakes.elevenlabs import fake_audio
from revgen_testing.running import eventually
from voice.domain.answering import DEFAULT_VOICE
from voice_testing import OPEN, ZONE, known_client, rows, running_voice

LEAD = "+15550004242"
WHISPER = "Call for Acme Plumbing from Jane Doe."


async def test_the_member_who_answers_hears_whose_call_it_is_said_at_once_then_played_from_the_cache(
        infra, all_topics, voice_engine, elevenlabs, clock):
    clock.next_local(ZONE, OPEN)
    elevenlabs.state.latency = 1.5  # slower than the phones pick up: the first whisper cannot wait for it
    async with running_voice(infra, voice_engine, elevenlabs.url, clock) as voice:
        client = await known_client(infra, voice_engine, name="Acme Plumbing", leads={LEAD: "Jane Doe"})
        first, second = (m.phone for m in client.team)

        uncached = await voice.calls.call(voice.incoming_url, from_=LEAD, to=client.number,
                                          phones={first: 0.0, second: 0.05})
        await eventually(lambda: rows(voice_engine, "SELECT id FROM greetings"))  # synthesised meanwhile
        elevenlabs.state.latency = 0.0
        cached = await voice.calls.call(voice.incoming_url, from_=LEAD, to=client.number,
                                        phones={second: 0.0, first: 0.05})

        assert uncached.connected == [first] and uncached.whispers == {first: [WHISPER]}  # <Say>, not a wait
        assert cached.connected == [second] and cached.whispers == {second: [fake_audio(DEFAULT_VOICE, WHISPER)]}
        assert elevenlabs.state.syntheses == [(DEFAULT_VOICE, WHISPER)]  # once, for both calls
        assert set(uncached.webhook_statuses) == set(cached.webhook_statuses) == {200}
