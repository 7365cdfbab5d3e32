"""The only place messaging talks to OpenAI: one chat completion per lead message, answered
as an SMS or handed off to a person.

One call is one try, bounded by the timeout its caller gives (what is left of the message's
answer deadline decides it, and whether another try fits), so the SDK's own retries are off.
A failure becomes ours: AIUnavailable (transient, with the provider's retry-after; AITimedOut
when no answer came in time) or AIRefused (permanent). Nothing here sleeps: a pause between
tries is the consumer's backpressure, driven by TransientError.retry_after; the one wait here
is for a fair-share slot (`turn`), which ends the moment one frees.
"""
from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass

import openai
from openai.types.chat import ChatCompletionMessageParam

from messaging.adapters.fair_turns import FairTurns
from messaging.domain.fair_share import FairShare
from revgen_common.errors import NotYet, PermanentError, TransientError

HANDOFF = "[HANDOFF]"
ROLES = {"lead": "user", "business": "assistant"}
# The statuses the SDK would retry (we do, within the answer deadline): later may work.
RETRYABLE_STATUSES = {408, 409, 429}

INSTRUCTIONS = f"""Reply to the lead's latest message as a brief SMS: plain text, one or two short sentences.
Use only the knowledge below. Begin your reply with the exact token {HANDOFF} when you are unsure,
when the question is not answered by the knowledge, or when the lead asks to talk to a person."""


@dataclass(frozen=True)
class AIReply:
    text: str
    handoff: bool


class OverFairShare(NotYet):
    """This client already uses its share of the OpenAI concurrency; OpenAI was not called."""

    retry_after: float  # always given (NotYet requires it)


class AIUnavailable(TransientError):
    """OpenAI failed in a way that waiting can fix (rate limit, 5xx, timeout, network)."""


class AITimedOut(AIUnavailable):
    """OpenAI gave no answer within the try's timeout."""


class AIRefused(PermanentError):
    """OpenAI rejected the request itself (bad request, bad key, no permission)."""


class AIResponder:
    def __init__(self, api_key: str, base_url: str, fair_share: FairShare, model: str = "gpt-4o-mini"):
        self._client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0)
        self._turns = FairTurns(fair_share)
        self._model = model

    @contextlib.asynccontextmanager
    async def turn(self, client_id: str, wait: float = 0.0) -> AsyncIterator[None]:
        """One slot of the client's fair share of the concurrency, for one try: waits at most
        `wait` seconds for it, woken when one frees (OverFairShare when none came)."""
        refused = await self._turns.acquire(client_id, wait)
        if refused > 0:
            raise OverFairShare("fair share", retry_after=refused)
        try:
            yield
        finally:
            self._turns.release(client_id)

    async def complete(self, *, client_id: str, persona: str, knowledge: str,
                       history: list[tuple[str, str]], timeout: float) -> AIReply:
        """One try of at most `timeout` seconds, within a `turn` of the client's."""
        try:
            # The SDK's timeout bounds each read, not the whole request: ours bounds the try.
            async with asyncio.timeout(timeout):
                completion = await self._client.chat.completions.create(
                    model=self._model, messages=prompt(persona, knowledge, history), timeout=timeout,
                    # Usage and abuse signals attributable per client: `user` is deprecated in
                    # favour of `safety_identifier`, and sending both serves old and new accounts.
                    user=client_id, safety_identifier=client_id)
        except TimeoutError as error:
            raise AITimedOut(f"openai gave no answer within {timeout:.1f}s") from error
        except openai.APIError as error:
            raise translate(error) from error
        return parse(completion.choices[0].message.content if completion.choices else None)

    async def close(self) -> None:
        await self._client.close()


def prompt(persona: str, knowledge: str, history: list[tuple[str, str]]) -> list[ChatCompletionMessageParam]:
    system = f'{persona}\n\n{INSTRUCTIONS}\n\nKnowledge:\n"""\n{knowledge}\n"""'
    return [{"role": "system", "content": system}, *(_turn(role, text) for role, text in history)]


def _turn(role: str, text: str) -> ChatCompletionMessageParam:
    if ROLES[role] == "user":
        return {"role": "user", "content": text}
    return {"role": "assistant", "content": text}


def parse(content: str | None) -> AIReply:
    # No text at all (an empty answer or a refusal) is nothing to send a lead: a person must.
    text = (content or "").strip()
    if text.startswith(HANDOFF):
        return AIReply(text[len(HANDOFF):].strip(), handoff=True)
    return AIReply(text, handoff=not text)


def translate(error: openai.APIError) -> Exception:
    if isinstance(error, openai.APITimeoutError):
        return AITimedOut(f"openai gave no answer in time: {error}")
    if isinstance(error, openai.APIConnectionError):
        return AIUnavailable(f"openai unreachable: {error}")
    if isinstance(error, openai.APIStatusError):
        if error.status_code in RETRYABLE_STATUSES or error.status_code >= 500:
            return AIUnavailable(f"openai unavailable: {error}", retry_after=retry_after(error.response.headers))
        return AIRefused(f"openai refused: {error}")
    return AIRefused(f"openai answered unusably: {error}")  # e.g. a response that fails validation


def retry_after(headers) -> float | None:
    """OpenAI's hint in seconds: retry-after-ms (more precise) or retry-after."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            seconds = float(headers.get(name)) / divisor
        except (TypeError, ValueError):  # absent, or an HTTP date we do not bother parsing
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return None
