"""The AI voice's one answer to what a caller said, through the official `openai` SDK: one
try bounded by a deadline (the caller is listening to silence meanwhile), the SDK's own
retries off. No answer in time, a failure or an empty answer is `NoAnswer`: the caller
hears the holding line instead, never an error."""
from __future__ import annotations

import asyncio

import openai

from voice.domain.ai_voice import MAX_ANSWER_TOKENS


class NoAnswer(Exception):
    pass


class PhoneAssistant:
    def __init__(self, api_key: str, base_url: str, model: str):
        self._client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0)
        self._model = model

    async def answer(self, client_id: str, messages: list[dict[str, str]], deadline: float) -> str:
        try:
            # The SDK's timeout bounds each read, not the whole request: ours bounds the try.
            async with asyncio.timeout(deadline):
                completion = await self._client.chat.completions.create(
                    model=self._model, messages=messages, timeout=deadline,  # type: ignore[arg-type]
                    max_completion_tokens=MAX_ANSWER_TOKENS, safety_identifier=client_id)
        except TimeoutError as error:
            raise NoAnswer(f"openai gave no answer within {deadline:.1f}s") from error
        except openai.APIError as error:
            raise NoAnswer(f"openai failed: {error}") from error
        text = (completion.choices[0].message.content or "").strip() if completion.choices else ""
        if not text:
            raise NoAnswer("openai answered with no text")
        return text

    async def aclose(self) -> None:
        await self._client.close()
