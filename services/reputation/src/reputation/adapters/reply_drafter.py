"""The AI's draft of a business's public reply to a review: one chat completion through the
official `openai` SDK (the SDK's retries off: the consumer's backoff is the one retry)."""
from __future__ import annotations

import openai

from reputation.domain.reviews import Review
from revgen_common.errors import PermanentError, TransientError

INSTRUCTIONS = """You write a business's public reply to a customer's review: two or three warm, specific,
professional sentences, no promises of refunds or discounts, no personal data. For a low rating,
apologise and invite the customer to get in touch. Plain text only."""
RETRYABLE = {408, 409, 429}


class ReplyDrafter:
    def __init__(self, api_key: str, base_url: str | None, model: str, timeout: float = 20.0):
        self._client = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)
        self._model = model

    async def draft(self, client_id: str, review: Review) -> str:
        try:
            completion = await self._client.chat.completions.create(model=self._model, safety_identifier=client_id,
                                                                    messages=[
                {"role": "system", "content": INSTRUCTIONS},
                {"role": "user", "content": f"{review.rating} stars from {review.author}:\n{review.text}"}])
        except (openai.APITimeoutError, openai.APIConnectionError) as error:
            raise TransientError(f"openai unreachable: {error}") from error
        except openai.APIStatusError as error:
            if error.status_code in RETRYABLE or error.status_code >= 500:
                raise TransientError(f"openai unavailable: {error}") from error
            raise PermanentError(f"openai refused: {error}") from error
        text = (completion.choices[0].message.content or "").strip() if completion.choices else ""
        if not text:
            raise PermanentError("openai drafted nothing")
        return text[:4000]

    async def aclose(self) -> None:
        await self._client.close()
