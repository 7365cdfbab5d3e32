"""What a handler is given: the message's contract, validated once by the consumer before
any handler runs (an invalid payload is dead-lettered instead), and the envelope it came in
(its ids, key and correlation, for a handler that needs them)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from revgen_common.contracts import Contract
from revgen_common.envelope import Envelope

C = TypeVar("C", bound=Contract, covariant=True)


@dataclass(frozen=True)
class Delivered(Generic[C]):
    """A message as its handler gets it: the contract it carries, validated once by the consumer, and its envelope."""

    body: C
    envelope: Envelope

    @property
    def event_id(self) -> uuid.UUID:
        return self.envelope.event_id

    @property
    def occurred_at(self) -> datetime:
        return self.envelope.occurred_at

    @classmethod
    def of(cls, envelope: Envelope) -> Delivered[Contract]:
        """`envelope` with its payload validated into its contract (pydantic's ValidationError
        if it does not fit): what the consumer hands a handler, and what a test does too."""
        return Delivered(envelope.contract(), envelope)
