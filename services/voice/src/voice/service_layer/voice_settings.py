"""A client's voice settings: the business line to ring, the greeting and its voice, and
what follows it after hours (voicemail or the AI voice). Saving them asks for the
greeting's synthesis, so the first call already <Play>s it."""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.unit_of_work import UnitOfWork
from voice.adapters import read_model
from voice.service_layer.greetings import Greetings


class VoiceSettingsStore:
    def __init__(self, engine: AsyncEngine, greetings: Greetings):
        self.engine = engine
        self.greetings = greetings

    async def save(self, client_id: str, settings: dict[str, Any]) -> None:
        async with UnitOfWork(self.engine) as uow:
            await read_model.save_settings(uow.connection, client_id, settings)
            await uow.commit()
        self.greetings.prepare(settings["voice_id"], settings["greeting"])

    async def get(self, client_id: str) -> dict[str, Any] | None:
        async with self.engine.connect() as db:
            return await read_model.settings_of(db, client_id)
