"""The ElevenLabs fake, driven through the official elevenlabs SDK against a real uvicorn
server: audio for a good key, ElevenLabs' own refusals and failures otherwise."""
import contextlib

import pytest
from elevenlabs.client import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError

from revgen_devstack.ports import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.elevenlabs import ElevenLabsState, create_app, fake_audio, faulty_app


@contextlib.asynccontextmanager
async def sdk_against(app, api_key: str = "el-test-key"):
    port = free_port()
    async with serve_app(app, port):
        yield AsyncElevenLabs(api_key=api_key, base_url=f"http://127.0.0.1:{port}")


async def speak(client: AsyncElevenLabs, text: str) -> bytes:
    chunks = client.text_to_speech.convert("voice-1", text=text, model_id="eleven_multilingual_v2",
                                           output_format="mp3_44100_128", request_options={"max_retries": 0})
    return b"".join([chunk async for chunk in chunks])


async def test_text_to_speech_answers_the_audio_of_that_voice_and_text():
    state = ElevenLabsState()
    async with sdk_against(create_app(state)) as client:
        audio = await speak(client, "Thanks for calling")
    assert audio == fake_audio("voice-1", "Thanks for calling") and audio.startswith(b"ID3")
    assert state.syntheses == [("voice-1", "Thanks for calling")]


async def test_a_wrong_key_is_a_401_in_elevenlabs_error_shape_and_nothing_is_spoken():
    state = ElevenLabsState()
    async with sdk_against(create_app(state), api_key="el-wrong") as client:
        with pytest.raises(ApiError) as refused:
            await speak(client, "Hello")
    assert refused.value.status_code == 401
    assert refused.value.body["detail"]["status"] == "invalid_api_key"
    assert state.syntheses == []


async def test_behind_the_fault_injector_it_answers_429_with_retry_after_and_5xx():
    state = ElevenLabsState()
    injector = faulty_app(state)
    injector.script("429:retry_after=3", "503", path_prefix="/v1/text-to-speech")
    async with sdk_against(injector) as client:
        for status in (429, 503):
            with pytest.raises(ApiError) as failed:
                await speak(client, "Hello")
            assert failed.value.status_code == status
            if status == 429:
                assert failed.value.headers["retry-after"] == "3"
        assert await speak(client, "Hello") == fake_audio("voice-1", "Hello")
    assert state.requests.count("POST", "/v1/text-to-speech") == 3
