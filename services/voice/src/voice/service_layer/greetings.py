"""Greetings (and whispers): each (voice, text) synthesised once and kept, so every later call <Play>s the
same audio. Synthesis never runs on a call's answer path: a call whose greeting is not
cached yet gets Twilio's <Say> at once and asks for the synthesis in the background; saving
the settings asks for it ahead of the first call."""
from __future__ import annotations

import asyncio
import logging
import time
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.clock import Clock
from revgen_common.unit_of_work import UnitOfWork
from voice.adapters import greeting_cache
from voice.adapters.elevenlabs_speech import CONTENT_TYPE, ElevenLabsSpeech, SpeechFailed

log = logging.getLogger(__name__)

COOL_DOWN_SECONDS = 60.0  # after a failed synthesis, calls do not ask again for this long


class Greetings:
    def __init__(self, engine: AsyncEngine, speech: ElevenLabsSpeech, clock: Clock):
        self.engine = engine
        self.speech = speech
        self.clock = clock
        self._in_flight: dict[tuple[str, str], asyncio.Task[uuid.UUID | None]] = {}
        self._failed_at: dict[tuple[str, str], float] = {}

    def prepare(self, voice_id: str, spoken: str) -> asyncio.Task[uuid.UUID | None] | None:
        """Synthesise in the background unless it is under way or failed a moment ago."""
        key = (voice_id, spoken)
        if key in self._in_flight:
            return self._in_flight[key]
        failed = self._failed_at.get(key)
        if failed is not None and time.monotonic() - failed < COOL_DOWN_SECONDS:
            return None
        task = asyncio.create_task(self.synthesise(voice_id, spoken))
        self._in_flight[key] = task
        task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        return task

    async def synthesise(self, voice_id: str, spoken: str) -> uuid.UUID | None:
        """The cached audio's id: synthesised now if it was not cached; None if ElevenLabs
        gave none (the calls go on with <Say>)."""
        async with self.engine.connect() as db:
            found = await greeting_cache.cached(db, voice_id, spoken)
        if found is not None:
            return found
        try:
            audio = await self.speech.speak(voice_id, spoken)
        except SpeechFailed as error:
            log.warning("greeting not synthesised, calls get <Say>: %s", error)
            self._failed_at[(voice_id, spoken)] = time.monotonic()
            return None
        async with UnitOfWork(self.engine) as uow:
            stored = await greeting_cache.store(uow.connection, voice_id, spoken, CONTENT_TYPE, audio, self.clock())
            await uow.commit()
        return stored

    async def audio(self, greeting_id: uuid.UUID) -> tuple[str, bytes] | None:
        async with self.engine.connect() as db:
            return await greeting_cache.audio(db, greeting_id)

    async def aclose(self) -> None:
        for task in list(self._in_flight.values()):
            task.cancel()
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        await self.speech.aclose()
