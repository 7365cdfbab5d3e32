"""Replay a consumer's dead letters once what failed them is fixed:

    python -m revgen_common.replay --consumer messaging --database-url URL \
        [--bootstrap-servers HOST:PORT] [--event-id ID ...] [--dry-run]

A dead-lettered message left an inbox row (`outcome = 'dead_lettered'`) that would absorb
the same bytes if they were simply republished. For each of the consumer's dead letters,
this deletes that row, then republishes the original bytes to the original topic with the
original key. In that order: if the publish fails, running it again finds the dead letter
and does the same. When the row is already gone (replayed before, then applied, or dead-
lettered again under a letter of its own) nothing is republished, so running it twice
replays each message once. Undecodable bytes are listed, not replayed: trying again
cannot make them readable.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import uuid
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from revgen_common.envelope import Envelope
from revgen_common.kafka_config import producer_config
from revgen_common.topic_reading import read_to_end
from revgen_common.topics import DEAD_LETTERS


@dataclass(frozen=True)
class DeadLetter:
    event_id: uuid.UUID | None  # None: the original bytes are not an envelope
    topic: str
    key: bytes | None
    value: bytes
    error: str


@dataclass
class Replayed:
    replayed: list[uuid.UUID] = field(default_factory=list)
    already_replayed: list[uuid.UUID] = field(default_factory=list)
    undecodable: list[str] = field(default_factory=list)  # where they came from


_FORGET_DEAD_LETTER = text("""DELETE FROM inbox WHERE consumer = :consumer AND event_id = :event_id
                              AND outcome = 'dead_lettered' RETURNING event_id""")


async def dead_letters(bootstrap_servers: str, consumer: str) -> list[DeadLetter]:
    """Every dead letter `consumer` has written, oldest first per partition."""
    return [_letter(r) for r in await read_to_end(bootstrap_servers, DEAD_LETTERS.name)
            if _headers(r).get("dlq.consumer") == consumer]


async def replay(engine: AsyncEngine, bootstrap_servers: str, consumer: str,
                 event_ids: set[uuid.UUID] | None = None, dry_run: bool = False) -> Replayed:
    outcome = Replayed()
    letters = [d for d in await dead_letters(bootstrap_servers, consumer)
               if event_ids is None or d.event_id in event_ids]
    producer = AIOKafkaProducer(**producer_config(bootstrap_servers))
    await producer.start()
    try:
        for letter in letters:
            if letter.event_id is None:
                outcome.undecodable.append(f"{letter.topic}: {letter.error}")
                continue
            if dry_run:
                outcome.replayed.append(letter.event_id)
                continue
            async with engine.begin() as db:
                forgotten = (await db.execute(_FORGET_DEAD_LETTER, {"consumer": consumer,
                                                                    "event_id": letter.event_id})).first()
            if forgotten is None:
                outcome.already_replayed.append(letter.event_id)
                continue
            await producer.send_and_wait(letter.topic, letter.value, key=letter.key)
            outcome.replayed.append(letter.event_id)
    finally:
        await producer.stop()
    return outcome


def _headers(record) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (record.headers or ())}


def _letter(record) -> DeadLetter:
    headers = _headers(record)
    try:
        event_id = Envelope.from_bytes(record.value).event_id
    except Exception:  # undecodable then, undecodable now
        event_id = None
    key = headers.get("dlq.original.key")
    return DeadLetter(event_id=event_id, topic=headers["dlq.original.topic"], key=key.encode() if key else None,
                      value=record.value, error=f'{headers.get("dlq.error.class")}: {headers.get("dlq.error.message")}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consumer", required=True, help="the consumer group whose dead letters to replay")
    parser.add_argument("--database-url", required=True, help="that consumer's service database")
    parser.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--event-id", action="append", type=uuid.UUID, help="only these (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be replayed")
    args = parser.parse_args()
    if not args.bootstrap_servers:
        parser.error("--bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS is required")

    async def run() -> Replayed:
        engine = create_async_engine(args.database_url)
        try:
            return await replay(engine, args.bootstrap_servers, args.consumer,
                                set(args.event_id) if args.event_id else None, args.dry_run)
        finally:
            await engine.dispose()

    outcome = asyncio.run(run())
    print(json.dumps({"replayed": [str(e) for e in outcome.replayed],
                      "already_replayed": [str(e) for e in outcome.already_replayed],
                      "undecodable": outcome.undecodable, "dry_run": args.dry_run}, indent=2))


if __name__ == "__main__":
    main()
