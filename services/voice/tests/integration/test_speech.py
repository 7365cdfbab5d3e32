"""Speech through the official SDK against the ElevenLabs fake: retried with backoff on 429
and 5xx, never on a refused key; and no start-up without a key."""
import os
import subprocess
import sys

import pytest

from revgen_fakes.elevenlabs import fake_audio
from voice.adapters.elevenlabs_speech import ElevenLabsSpeech, SpeechFailed
from voice_testing import ELEVENLABS_KEY


async def test_429_and_5xx_are_retried_with_backoff_until_elevenlabs_speaks(elevenlabs):
    elevenlabs.faults.script("429:retry_after=0", "503", path_prefix="/v1/text-to-speech")
    waits = []

    async def sleep(seconds):
        waits.append(seconds)

    speech = ElevenLabsSpeech(ELEVENLABS_KEY, elevenlabs.url, "eleven_multilingual_v2", sleep=sleep)
    try:
        assert await speech.speak("v1", "Hello there") == fake_audio("v1", "Hello there")
    finally:
        await speech.aclose()
    assert waits == [0.5, 1.0]  # doubling
    assert elevenlabs.state.requests.count("POST", "/v1/text-to-speech") == 3


async def test_a_refused_key_is_not_retried(elevenlabs):
    speech = ElevenLabsSpeech("el-not-our-key", elevenlabs.url, "eleven_multilingual_v2")
    try:
        with pytest.raises(SpeechFailed, match="401"):
            await speech.speak("v1", "Hello there")
    finally:
        await speech.aclose()
    assert elevenlabs.state.requests.count("POST", "/v1/text-to-speech") == 1


def test_voice_will_not_start_without_an_elevenlabs_key_and_names_it():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ELEVENLABS_", "VOICE_", "TWILIO_", "OPENAI_"))}
    env.update(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9", VOICE_DATABASE_URL="postgresql+asyncpg://u@127.0.0.1/v",
               VOICE_API_TOKEN="a-real-looking-token-1234", TWILIO_AUTH_TOKEN="a-real-looking-token-5678",
               TWILIO_ACCOUNT_SID="AC0123456789abcdef",
               PUBLIC_BASE_URL="https://voice.revgen.example", ELEVENLABS_API_KEY="",
               OPENAI_API_KEY="sk-a-real-looking-key-9012")
    done = subprocess.run([sys.executable, "-m", "voice.main"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 78
    assert "ELEVENLABS_API_KEY is empty" in done.stderr
