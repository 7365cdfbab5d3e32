"""A dead letter as a consumer of `revgen.dead-letters` reads it (`MessageDeadLettered`).

On the wire a dead letter is the original message's bytes, with where it came from and why
it was given up on in `dlq.*` headers (revgen_common.dead_letters), so `revgen dlq redrive`
can republish it as it was. The consumer runtime reads such a record into this contract
(`dead_letters.as_envelope`), its event id the one the dead-lettering consumer gave it: one
per (consumer, message), however often the message fails or is re-driven.
"""
from __future__ import annotations

from revgen_common.contracts.base import Event
from revgen_common.topics import DEAD_LETTERS

PRODUCED_BY = ("billing", "escalation", "identity", "messaging")  # every service running a consumer


class MessageDeadLettered(Event, topic=DEAD_LETTERS):
    """A consumer gave up on a message: an operator must look (`revgen dlq show`)."""

    consumer: str
    original_topic: str
    original_partition: int
    original_offset: int
    original_key: str
    original_type: str | None = None  # None: the bytes were no envelope at all
    original_event_id: str | None = None
    error_class: str
    error_message: str

    def key(self) -> str:
        return self.consumer
