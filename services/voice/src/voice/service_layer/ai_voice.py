"""The AI voice (mode "ai", ADR 0021): after the greeting Twilio listens (<Gather
input="speech">) and sends us what the caller said; the assistant answers it within a
deadline, Twilio says the answer (or the holding line), and the caller leaves a message.
The turn is kept on the call's row, so a repeat of the webhook answers the same words
without asking the assistant again."""
from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.clock import Clock
from revgen_common.unit_of_work import UnitOfWork
from voice import SERVICE
from voice.adapters import calls_table, read_model
from voice.adapters.phone_assistant import NoAnswer, PhoneAssistant
from voice.domain import ai_voice, twiml
from voice.domain.answering import CallSetup
from voice.service_layer.calls import DEFAULTS, Urls, required

log = logging.getLogger(__name__)

MAX_HEARD_CHARS = 1000  # a question, not a speech: what the assistant is given of it


class AiVoice:
    def __init__(self, engine: AsyncEngine, assistant: PhoneAssistant, urls: Urls, deadline_seconds: float,
                 clock: Clock):
        self.engine = engine
        self.clock = clock
        self.assistant = assistant
        self.urls = urls
        self.deadline = deadline_seconds

    async def heard(self, params: dict[str, str]) -> str:
        call_sid = required(params, "CallSid")[0]
        heard = params.get("SpeechResult", "").strip()[:MAX_HEARD_CHARS]
        async with self.engine.connect() as db:
            found = await calls_table.call(db, call_sid)
            setup = await read_model.setup_for(db, found.client_number, DEFAULTS) if found else None
        if found is None or setup is None:
            return twiml.hang_up()
        if found.ai_answer is not None:
            return self._answer(found.ai_answer)  # Twilio asked again: the same words
        spoken = await self._ask(setup, heard) if heard else ai_voice.NO_SPEECH
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            kept = await calls_table.keep_ai_turn(uow.connection, call_sid, heard, spoken)
            await uow.commit()
        return self._answer(kept)

    async def _ask(self, setup: CallSetup, heard: str) -> str:
        """The assistant's answer, or the holding line when it gave none in time."""
        known = ai_voice.facts(setup.business_name, setup.timezone, setup.hours)
        try:
            return await self.assistant.answer(setup.client_id, ai_voice.prompt(setup.business_name, known, heard),
                                               self.deadline)
        except NoAnswer as error:
            log.warning("AI voice: the caller hears the holding line: %s", error)
            return ai_voice.holding_line(setup.business_name)

    def _answer(self, spoken: str) -> str:
        return twiml.spoken_then_voicemail(spoken, self.urls.webhook("recorded"), self.urls.webhook("recording"))
