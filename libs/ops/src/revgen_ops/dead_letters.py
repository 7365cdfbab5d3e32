"""Dead letters: browse them, and re-drive them once what failed them is fixed.

A dead-lettered message left an inbox row (`outcome = 'dead_lettered'`) that would absorb
the same bytes if they were simply republished. Re-driving a letter deletes that row, then
republishes the original bytes to the original topic with the original key, in that order:
if the publish fails, running it again finds the letter pending and does the same. When the
row is already gone (re-driven before, then applied, or dead-lettered again under a letter
of its own) nothing is republished, so re-driving twice applies each message once.
Undecodable bytes are listed, not re-driven: trying again cannot make them readable.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.envelope import Envelope
from revgen_common.kafka_config import producer_config
from revgen_common.topic_reading import read_to_end
from revgen_common.topics import DEAD_LETTERS
from revgen_ops import audit

REDRIVEN_FROM_HEADER = "revgen.redriven-from"


@dataclass(frozen=True)
class DeadLetter:
    partition: int  # where it is on revgen.dead-letters
    offset: int
    consumer: str
    event_id: uuid.UUID | None  # None: the original bytes are not an envelope
    event_type: str | None
    topic: str  # where it came from
    original_partition: int
    original_offset: int
    key: bytes | None
    value: bytes
    error_class: str
    error_message: str
    dead_lettered_at: datetime
    headers: dict[str, str]

    @property
    def address(self) -> str:
        return f"{self.partition}:{self.offset}"

    def matches(self, reference: str) -> bool:
        """A letter is named by its event id or its place on the dead-letter topic (P:O)."""
        return reference in (self.address, str(self.event_id))


@dataclass
class Redriven:
    redriven: list[DeadLetter] = field(default_factory=list)
    already_redriven: list[DeadLetter] = field(default_factory=list)
    undecodable: list[DeadLetter] = field(default_factory=list)


async def dead_letters(bootstrap_servers: str, consumer: str | None = None) -> list[DeadLetter]:
    """Every dead letter (of `consumer`, if given), in order per partition."""
    letters = [_letter(r) for r in await read_to_end(bootstrap_servers, DEAD_LETTERS.name)]
    return [d for d in letters if consumer is None or d.consumer == consumer]


_PENDING = text("""SELECT event_id FROM inbox WHERE consumer = :consumer AND event_id = ANY(:event_ids)
                   AND outcome = 'dead_lettered'""")
_FORGET = text("""DELETE FROM inbox WHERE consumer = :consumer AND event_id = :event_id
                  AND outcome = 'dead_lettered' RETURNING event_id""")


async def pending(engine: AsyncEngine, consumer: str, letters: list[DeadLetter]) -> set[uuid.UUID]:
    """The event ids among `letters` still waiting for a re-drive (their inbox row says so)."""
    ids = [d.event_id for d in letters if d.event_id is not None]
    async with engine.connect() as db:
        return set((await db.execute(_PENDING, {"consumer": consumer, "event_ids": ids})).scalars())


async def redrive(engine: AsyncEngine, bootstrap_servers: str, consumer: str, letters: list[DeadLetter],
                  operator: str, execute: bool = True,
                  progress: Callable[[DeadLetter], None] = lambda _letter: None) -> Redriven:
    """Re-drive `letters` (all `consumer`'s); without `execute`, only say what would be."""
    outcome = Redriven()
    waiting = await pending(engine, consumer, letters)
    for letter in letters:
        if letter.event_id is None:
            outcome.undecodable.append(letter)
        elif letter.event_id in waiting:
            outcome.redriven.append(letter)
        else:
            outcome.already_redriven.append(letter)
    if not execute or not outcome.redriven:
        return outcome
    await audit.record(bootstrap_servers, "dead-letter-redrive", consumer, operator, {
        "letters": [{"dead_letter": d.address, "event_id": str(d.event_id), "topic": d.topic} for d in outcome.redriven]})
    producer = AIOKafkaProducer(**producer_config(bootstrap_servers))
    await producer.start()
    try:
        done = []
        for letter in outcome.redriven:
            async with engine.begin() as db:
                forgotten = (await db.execute(_FORGET, {"consumer": consumer, "event_id": letter.event_id})).first()
            if forgotten is None:  # another re-drive got there first
                outcome.already_redriven.append(letter)
                continue
            await producer.send_and_wait(letter.topic, letter.value, key=letter.key,
                                         headers=[(REDRIVEN_FROM_HEADER, letter.address.encode())])
            done.append(letter)
            progress(letter)
        outcome.redriven = done
    finally:
        await producer.stop()
    return outcome


def _letter(record) -> DeadLetter:
    headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
    event_id: uuid.UUID | None
    event_type: str | None
    try:
        envelope = Envelope.from_bytes(record.value)
        event_id, event_type = envelope.event_id, envelope.type
    except Exception:  # undecodable then, undecodable now
        event_id = event_type = None
    key = headers.get("dlq.original.key")
    return DeadLetter(
        partition=record.partition, offset=record.offset, consumer=headers.get("dlq.consumer", ""),
        event_id=event_id, event_type=event_type, topic=headers.get("dlq.original.topic", ""),
        original_partition=int(headers.get("dlq.original.partition", -1)),
        original_offset=int(headers.get("dlq.original.offset", -1)), key=key.encode() if key else None,
        value=record.value or b"", error_class=headers.get("dlq.error.class", ""),
        error_message=headers.get("dlq.error.message", ""),
        dead_lettered_at=datetime.fromtimestamp(record.timestamp / 1000, UTC), headers=headers)


def readable_value(letter: DeadLetter) -> str:
    try:
        return json.dumps(json.loads(letter.value), indent=2)
    except ValueError:
        return repr(letter.value[:2000])
