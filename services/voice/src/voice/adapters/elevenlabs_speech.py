"""Speech through the official `elevenlabs` SDK: text to audio bytes (MP3), retried with
backoff on 429 and 5xx (a Retry-After as the floor of the wait) and on a lost connection;
a refused key (401) or a refused request (4xx) is not retried. The SDK's own retries are
off, so the backoff here is the only one."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import httpx
from elevenlabs.client import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError

log = logging.getLogger(__name__)

OUTPUT_FORMAT = "mp3_44100_128"
CONTENT_TYPE = "audio/mpeg"


class SpeechFailed(Exception):
    """No audio: ElevenLabs refused (its key, the request) or stayed down through every try."""


class ElevenLabsSpeech:
    def __init__(self, api_key: str, base_url: str | None, model_id: str, *, tries: int = 4,
                 first_backoff: float = 0.5, timeout: float = 10.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.client = AsyncElevenLabs(api_key=api_key, base_url=base_url, timeout=timeout)
        self.model_id = model_id
        self.tries = tries
        self.first_backoff = first_backoff
        self.sleep = sleep

    async def speak(self, voice_id: str, spoken: str) -> bytes:
        for attempt in range(self.tries):
            try:
                chunks = self.client.text_to_speech.convert(voice_id, text=spoken, model_id=self.model_id,
                                                            output_format=OUTPUT_FORMAT,
                                                            request_options={"max_retries": 0})
                audio = b"".join([chunk async for chunk in chunks])
                if not audio:
                    raise SpeechFailed("ElevenLabs answered with no audio")
                return audio
            except ApiError as error:
                status = error.status_code or 0
                if status != 429 and status < 500:
                    raise SpeechFailed(f"ElevenLabs refused the request ({status}): {error.body}") from error
                wait = max(self._backoff(attempt), _retry_after(error.headers))
                log.warning("ElevenLabs answered %s; try %d of %d", status, attempt + 1, self.tries)
            except httpx.TransportError as error:
                wait = self._backoff(attempt)
                log.warning("ElevenLabs unreachable (%s); try %d of %d", error, attempt + 1, self.tries)
            if attempt + 1 < self.tries:
                await self.sleep(wait)
        raise SpeechFailed(f"ElevenLabs still failing after {self.tries} tries")

    def _backoff(self, attempt: int) -> float:
        return self.first_backoff * 2 ** attempt

    async def aclose(self) -> None:
        await self.client._client_wrapper.httpx_client.httpx_client.aclose()


def _retry_after(headers: dict[str, str] | None) -> float:
    try:
        return float((headers or {}).get("retry-after", 0))
    except ValueError:
        return 0.0
