"""A record as the consumer holds it while its batch is worked on: decoded (or why not),
checked against its contract, and what its preparation produced or raised."""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from aiokafka import ConsumerRecord
from pydantic import ValidationError

from revgen_common.envelope import Envelope
from revgen_common.errors import InvalidPayload, UndecodableMessage

NOT_PREPARED = object()


@dataclass
class Received:
    record: ConsumerRecord
    event_id: uuid.UUID
    envelope: Envelope | None = None
    error: Exception | None = None  # the message itself is wrong (undecodable, breaks its contract)
    prepared: object = NOT_PREPARED
    failed: Exception | None = None  # what its last preparation raised
    not_before: float = 0.0  # event-loop time before which it is neither prepared nor applied


def poison_id(record: ConsumerRecord) -> uuid.UUID:
    """Stable id for a message we cannot read, so its dead-lettering is idempotent too."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"kafka://{record.topic}/{record.partition}/{record.offset}")


def decode(record: ConsumerRecord) -> Received:
    try:
        envelope = Envelope.from_bytes(record.value)
        return Received(record, envelope.event_id, envelope=envelope)
    except Exception as error:  # anything unreadable is a poison message, never a crash loop
        return Received(record, poison_id(record), error=UndecodableMessage(f"undecodable message: {error}"))


def checked(item: Received, handled: Mapping[str, object]) -> Received:
    """A message this consumer handles must carry the payload its contract describes; one
    that does not is dead-lettered at once naming the field, before any handler trips over
    it (or a provider is called with it)."""
    envelope = item.envelope
    if envelope is not None and envelope.type in handled:
        try:
            envelope.contract()
        except ValidationError as error:
            item.error = InvalidPayload(f"{envelope.type} payload breaks its contract: {error}")
    return item


class MessageFailed(Exception):
    """One message of a batch failed: the ones before it may still be applied."""

    def __init__(self, index: int, error: Exception):
        super().__init__(f"message {index} of the batch failed: {error!r}")
        self.index = index
        self.error = error
