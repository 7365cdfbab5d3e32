"""The assistant's answer to an inbound SMS, asked within what is left of the message's answer
deadline (ADR 0006, ADR 0010): the tries, the fair share's turns and the pauses between
them. The conversation asks it before the batch's transaction (patient) and, rarely, in it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from messaging.adapters.ai_responder import AIResponder, AITimedOut, AIUnavailable, OverFairShare
from messaging.domain.answer_deadline import AnswerDeadline
from revgen_common.clock import Clock
from revgen_common.errors import NotYet


@dataclass(frozen=True)
class Draft:
    """The assistant's answer to an inbound SMS; `handoff` says why a person must step in."""
    text: str | None
    handoff: str | None = None


class AnswerDrafts:
    def __init__(self, ai: AIResponder, clock: Clock, deadline: AnswerDeadline = AnswerDeadline()):
        self.ai = ai
        self.clock = clock
        self.deadline = deadline

    async def ask(self, client_id: str, persona: str, knowledge: str, history: list[tuple[str, str]],
                  received_at: datetime, *, patient: bool = True) -> Draft:
        """Tries of the assistant within what is left of the message's deadline, each on a
        shorter timeout. A patient ask (before the transaction) waits for the client's fair
        share of the assistant, woken when a slot frees, and follows a try that timed out at
        once; a pause (a Retry-After, a fast failure) is a NotYet, the consumer's wait, as long
        as a try still fits after it. Once none does, the draft of the holding reply."""
        while True:
            left = self.deadline.left(received_at, self.clock())
            if self.deadline.timeout(left) is None:
                return Draft(None, f"no answer within {self.deadline.seconds:g}s of the message")
            try:
                async with self.ai.turn(client_id, wait=self.deadline.wait_for_a_try(left, left) if patient else 0.0):
                    left = self.deadline.left(received_at, self.clock())  # after waiting for the slot
                    timeout = self.deadline.timeout(left)
                    if timeout is None:
                        continue
                    answer = await self.ai.complete(client_id=client_id, persona=persona, knowledge=knowledge,
                                                    history=history, timeout=timeout)
            except OverFairShare as refused:
                if patient:  # it waited for a slot as long as a try could still fit after it
                    return Draft(None, f"the assistant was busy with other leads for {self.deadline.seconds:g}s")
                wait = self.deadline.wait_for_a_try(left, refused.retry_after)
                raise OverFairShare(str(refused), retry_after=wait) from refused
            except AIUnavailable as error:
                pause = self.deadline.pause(self.deadline.left(received_at, self.clock()), error.retry_after,
                                            timed_out=isinstance(error, AITimedOut))
                if pause is None:
                    return Draft(None, f"the assistant is unavailable ({error})")
                if pause > 0 or not patient:
                    raise NotYet(f"the assistant is unavailable ({error}); trying again in {pause:.1f}s",
                                 retry_after=pause) from error
                continue  # it timed out: the next try at once, on what is left
            if answer.handoff:
                return Draft(answer.text or None, "the assistant was not sure")
            return Draft(answer.text) if answer.text else Draft(None, "the assistant gave no answer")
