"""What a dead letter looks like: the original bytes as the value, and where it came from
and why it was given up on in the headers, so an operator can read it and replay it.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from aiokafka import ConsumerRecord

from revgen_common.contracts.dead_letters import MessageDeadLettered
from revgen_common.envelope import Envelope

DEAD_LETTER_NAMESPACE = uuid.UUID("0b8a4b0e-3f35-4a43-a9a8-3f41d7a1b2c4")


def poison_id(topic: str, partition: int, offset: int) -> uuid.UUID:
    """Stable id for a message we cannot read, so its dead-lettering is idempotent too."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"kafka://{topic}/{partition}/{offset}")


def dead_letter_id(consumer: str, event_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(DEAD_LETTER_NAMESPACE, f"{consumer}/{event_id}")


def dead_letter_envelope(consumer: str, event_id: uuid.UUID, original: Envelope | None) -> Envelope:
    """The outbox row's identity: one dead letter per (consumer, event), however often it fails."""
    return Envelope(
        event_id=dead_letter_id(consumer, event_id),
        type="MessageDeadLettered",
        producer=consumer,
        key=consumer,
        correlation_id=original.correlation_id if original else None,
        causation_id=event_id,
        client_id=original.client_id if original else None,
    )


def dead_letter_headers(consumer: str, record: ConsumerRecord, error: BaseException) -> dict[str, str]:
    return {
        "dlq.consumer": consumer,
        "dlq.original.topic": record.topic,
        "dlq.original.partition": str(record.partition),
        "dlq.original.offset": str(record.offset),
        "dlq.original.key": (record.key or b"").decode(errors="replace"),
        "dlq.error.class": type(error).__name__,
        "dlq.error.message": str(error)[:2000],
    }


def as_envelope(record: ConsumerRecord) -> Envelope:
    """A record of revgen.dead-letters read as the `MessageDeadLettered` it stands for, with
    the id its consumer gave it (so a copy, or the same message given up on again after a
    re-drive, is the same message). KeyError or ValueError when its headers are not ours."""
    headers = {name: value.decode(errors="replace") for name, value in record.headers or ()}
    topic, partition, offset = (headers["dlq.original.topic"], int(headers["dlq.original.partition"]),
                                int(headers["dlq.original.offset"]))
    try:
        original: Envelope | None = Envelope.from_bytes(record.value or b"")
    except ValueError:
        original = None
    original_id = original.event_id if original else poison_id(topic, partition, offset)
    letter = MessageDeadLettered(
        consumer=headers["dlq.consumer"], original_topic=topic, original_partition=partition, original_offset=offset,
        original_key=headers.get("dlq.original.key", ""), original_type=original.type if original else None,
        original_event_id=str(original.event_id) if original else None,
        error_class=headers.get("dlq.error.class", ""), error_message=headers.get("dlq.error.message", ""))
    return Envelope.of(letter, letter.consumer, event_id=dead_letter_id(letter.consumer, original_id),
                       occurred_at=datetime.fromtimestamp(record.timestamp / 1000, UTC))
