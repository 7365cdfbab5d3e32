"""What a dead letter looks like: the original bytes as the value, and where it came from
and why it was given up on in the headers, so an operator can read it and replay it.
"""
from __future__ import annotations

import uuid

from aiokafka import ConsumerRecord

from revgen_common.envelope import Envelope

DEAD_LETTER_NAMESPACE = uuid.UUID("0b8a4b0e-3f35-4a43-a9a8-3f41d7a1b2c4")


def dead_letter_envelope(consumer: str, event_id: uuid.UUID, original: Envelope | None) -> Envelope:
    """The outbox row's identity: one dead letter per (consumer, event), however often it fails."""
    return Envelope(
        event_id=uuid.uuid5(DEAD_LETTER_NAMESPACE, f"{consumer}/{event_id}"),
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
