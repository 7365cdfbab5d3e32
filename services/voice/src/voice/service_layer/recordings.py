"""Voicemail audio kept in voice: fetched from Twilio once, off the recording callback's
path (started when the callback is recorded, and swept for on a timer in case the process
stopped before it finished or Twilio was failing). Whoever fetches, one conditional UPDATE
keeps the first audio; a recording is given up after MAX_TRIES sweeps."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.clock import Clock
from revgen_common.unit_of_work import UnitOfWork
from voice.adapters import calls_table
from voice.adapters.twilio_recordings import FetchFailed, TwilioRecordings

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0
MAX_TRIES = 10


class Recordings:
    def __init__(self, engine: AsyncEngine, twilio: TwilioRecordings, clock: Clock):
        self.engine = engine
        self.twilio = twilio
        self.clock = clock
        self._tasks: set[asyncio.Task[None]] = set()

    def keep_soon(self, recording_sid: str, url: str) -> None:
        task = asyncio.create_task(self.keep(recording_sid, url))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def keep(self, recording_sid: str, url: str) -> None:
        try:
            content_type, audio = await self.twilio.audio(url)
        except FetchFailed as error:
            log.warning("voicemail %s not fetched yet: %s", recording_sid, error)
            async with UnitOfWork(self.engine) as uow:
                await calls_table.count_fetch_try(uow.connection, recording_sid)
                await uow.commit()
            return
        async with UnitOfWork(self.engine) as uow:
            await calls_table.keep_audio(uow.connection, recording_sid, content_type, audio, self.clock())
            await uow.commit()

    async def sweep(self) -> None:
        async with self.engine.connect() as db:
            # not the ones the callback's own fetch is still working on
            missing = await calls_table.recordings_to_fetch(db, MAX_TRIES, self.clock() - timedelta(seconds=SWEEP_SECONDS))
        for recording_sid, url in missing:
            await self.keep(recording_sid, url)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.twilio.aclose()
