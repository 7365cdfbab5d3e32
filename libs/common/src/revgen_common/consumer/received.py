"""A record as the consumer holds it while its batch is worked on: decoded (or why not),
checked against its contract (kept, for its handler), and what its preparation produced or
raised."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from aiokafka import ConsumerRecord
from pydantic import ValidationError

from revgen_common import dead_letters
from revgen_common.consumer.delivered import Delivered
from revgen_common.contracts import Contract
from revgen_common.envelope import Envelope
from revgen_common.errors import InvalidPayload, UndecodableMessage
from revgen_common.topics import DEAD_LETTERS

NOT_PREPARED = object()


@dataclass
class Received:
    record: ConsumerRecord
    event_id: uuid.UUID
    envelope: Envelope | None = None
    body: Contract | None = None  # its payload validated into its contract, when this consumer handles it
    error: Exception | None = None  # the message itself is wrong (undecodable, breaks its contract)
    prepared: object = NOT_PREPARED
    failed: Exception | None = None  # what its last preparation raised
    not_before: float = 0.0  # event-loop time before which it is neither prepared nor applied
    preparing: asyncio.Future[None] | None = None  # done once its (last started) preparation is over


def still_preparing(item: Received) -> bool:
    return item.preparing is not None and not item.preparing.done()


def decode(record: ConsumerRecord) -> Received:
    try:
        # A dead letter's value is the original message as it was; what it is, is in its headers.
        envelope = dead_letters.as_envelope(record) if record.topic == DEAD_LETTERS.name \
            else Envelope.from_bytes(record.value)
        return Received(record, envelope.event_id, envelope=envelope)
    except Exception as error:  # anything unreadable is a poison message, never a crash loop
        return Received(record, dead_letters.poison_id(record.topic, record.partition, record.offset),
                        error=UndecodableMessage(f"undecodable message: {error}"))


def checked(item: Received, handled: Mapping[str, object]) -> Received:
    """A message this consumer handles must carry the payload its contract describes; one
    that does not is dead-lettered at once naming the field, before any handler trips over
    it (or a provider is called with it). The contract it validated into is what its
    handler gets (`delivered`): validated once."""
    envelope = item.envelope
    if envelope is not None and envelope.type in handled:
        try:
            item.body = envelope.contract()
        except ValidationError as error:
            item.error = InvalidPayload(f"{envelope.type} payload breaks its contract: {error}")
    return item


def delivered(item: Received) -> Delivered[Contract]:
    """What its handler is given: a message `checked` found valid for this consumer."""
    assert item.envelope is not None and item.body is not None, "a handler is only given a checked message"
    return Delivered(item.body, item.envelope)


def cancelled_inside(error: asyncio.CancelledError) -> Exception | None:
    """A handler or preparation that raised CancelledError without its task being cancelled
    (it awaited something another task cancelled) failed like any other: that failure. None
    when the task itself is being cancelled (a stop, a revoke): that must go on."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        return None
    return RuntimeError(f"cancelled inside its handler: {error!r}")


class MessageFailed(Exception):
    """One message of a batch failed: the ones before it may still be applied."""

    def __init__(self, index: int, error: Exception):
        super().__init__(f"message {index} of the batch failed: {error!r}")
        self.index = index
        self.error = error
