"""The outbox relay: publishes committed outbox rows to Kafka, then marks them published.

A crash between the publish and the mark republishes those rows with the same event id;
consumers' inboxes absorb the repeat. Several relays may run against one database: a
transaction-scoped advisory lock lets exactly one publish at a time, which also keeps
the rows' order per key. At idle, LISTEN/NOTIFY wakes the relay within milliseconds;
polling remains as the fallback, since a notification is only a hint.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    UnsupportedForMessageFormatError,
)
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from revgen_common import metrics
from revgen_common.checkpoints import Checkpoint, no_checkpoint
from revgen_common.db import OUTBOX_CHANNEL, outbox
from revgen_common.errors import Backoff
from revgen_common.kafka_config import producer_config

log = logging.getLogger(__name__)

_MARK_PUBLISHED = text("UPDATE outbox SET published_at = now() WHERE id = ANY(CAST(:ids AS bigint[]))")
_PARK = text("UPDATE outbox SET parked_at = now(), park_reason = :reason WHERE id = :id")
# Errors that no retry can cure for that row; anything else (timeouts included) is retried.
REFUSED_FOR_GOOD = (MessageSizeTooLargeError, RecordListTooLargeError, InvalidTopicError,
                    UnsupportedForMessageFormatError, CorruptRecordException)

# One lock id for "the relay of this database": every service has its own database.
RELAY_LOCK_ID = 0x7265_6C61_7900  # "relay"


@dataclass(frozen=True)
class _Listener:
    connection: AsyncConnection
    driver: Any  # the asyncpg connection holding LISTEN

    @property
    def closed(self) -> bool:
        return bool(self.driver.is_closed())


async def _discard(connection: AsyncConnection) -> None:
    """A dead connection must not go back to the pool for the next checkout."""
    with contextlib.suppress(Exception):
        await connection.invalidate()
        await connection.close()


class OutboxRelay:
    def __init__(
        self,
        *,
        name: str,
        engine: AsyncEngine,
        bootstrap_servers: str,
        batch_size: int = 1000,
        idle_poll_seconds: float = 1.0,
        keep_published: timedelta = timedelta(days=1),
        checkpoint: Checkpoint = no_checkpoint,
    ):
        self.name = name
        self.engine = engine
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.keep_published = keep_published
        self._checkpoint = checkpoint
        self.backoff = Backoff()
        self._producer = AIOKafkaProducer(**producer_config(bootstrap_servers))
        self._wake = asyncio.Event()
        self._next_housekeeping = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        stopping = asyncio.create_task(stop.wait())
        listener = None
        started = False
        try:
            failures = 0
            while not stop.is_set():
                try:
                    if not started:  # Kafka or the DB may be away at boot: retried like the rest
                        await self._producer.start()
                        started = True
                    if listener is not None and listener.closed:
                        # The database restarted or dropped us: listen again, or the rows
                        # would wait for the poll instead of waking us at commit.
                        await _discard(listener.connection)
                        listener = None
                    if listener is None:
                        listener = await self._listen()
                    published = await self.publish_batch()
                    await self._housekeeping()
                    failures = 0
                except (OSError, SQLAlchemyError, KafkaError, asyncpg.InterfaceError, asyncpg.PostgresError) as error:
                    # Kafka or the database is away: the rows wait in the outbox, nothing is lost.
                    failures += 1
                    log.warning("relay %s: publishing failed (%r); retrying", self.name, error)
                    await asyncio.wait({stopping}, timeout=self.backoff.delay(failures))
                    continue
                if published < self.batch_size:
                    await self._sleep_until_woken(stopping)
        finally:
            stopping.cancel()
            if listener is not None:
                await (_discard(listener.connection) if listener.closed else listener.connection.close())
            await self._producer.stop()

    async def _listen(self) -> _Listener:
        connection = await self.engine.connect()
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
        raw.add_termination_listener(lambda *_: self._wake.set())  # wake up to listen again
        self._wake.set()  # rows committed while nobody listened are looked for at once
        return _Listener(connection, raw)

    async def _sleep_until_woken(self, stopping: asyncio.Task[bool]) -> None:
        woken = asyncio.create_task(self._wake.wait())
        await asyncio.wait({woken, stopping}, timeout=self.idle_poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        woken.cancel()
        self._wake.clear()

    async def publish_batch(self) -> int:
        """Publish up to one batch; returns how many rows it published (0 if another relay
        holds the lock or nothing is waiting)."""
        async with self.engine.connect() as connection, connection.begin():
            if not await connection.scalar(select(func.pg_try_advisory_xact_lock(RELAY_LOCK_ID))):
                return 0
            rows = (await connection.execute(
                select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value, outbox.c.headers)
                .where(outbox.c.published_at.is_(None), outbox.c.parked_at.is_(None))
                .order_by(outbox.c.id).limit(self.batch_size)
            )).all()
            if not rows:
                return 0
            deliveries, refused = [], []
            for row in rows:
                try:
                    deliveries.append((row, await self._producer.send(
                        row.topic, value=row.value, key=row.key.encode(),
                        headers=[(name, value.encode()) for name, value in row.headers.items()])))
                except REFUSED_FOR_GOOD as error:
                    refused.append((row, error))
            # acks=all for every row before we mark any
            outcomes = await asyncio.gather(*(delivery for _, delivery in deliveries), return_exceptions=True)
            for (row, _), outcome in zip(deliveries, outcomes):
                if isinstance(outcome, REFUSED_FOR_GOOD):
                    refused.append((row, outcome))
                elif isinstance(outcome, BaseException):
                    raise outcome
            self._checkpoint("after_publish")
            parked = {row.id for row, _ in refused}
            for row, refusal in refused:
                log.error("relay %s: Kafka refused outbox row %d for good (%r); parked", self.name, row.id, refusal)
                await connection.execute(_PARK, {"id": row.id, "reason": repr(refusal)[:2000]})
            published = [row for row in rows if row.id not in parked]
            await connection.execute(_MARK_PUBLISHED, {"ids": [row.id for row in published]})
        self._checkpoint("after_mark_published")
        for row in published:
            metrics.EVENTS_PRODUCED.labels(self.name, row.topic).inc()
        return len(rows)

    async def _housekeeping(self) -> None:
        """Every few seconds: backlog gauges, and bulk removal of rows published long ago."""
        now = time.monotonic()
        if now < self._next_housekeeping:
            return
        self._next_housekeeping = now + 5.0
        async with self.engine.begin() as connection:
            backlog, age = (await connection.execute(
                select(func.count(), func.extract("epoch", func.now() - func.min(outbox.c.created_at)))
                .where(outbox.c.published_at.is_(None), outbox.c.parked_at.is_(None))
            )).one()
            parked = await connection.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.parked_at.is_not(None)))
            # published_at is the database's now() (_MARK_PUBLISHED): compared with the same clock.
            await connection.execute(
                delete(outbox).where(outbox.c.published_at < func.now() - self.keep_published))
        metrics.OUTBOX_BACKLOG.labels(self.name).set(backlog or 0)
        metrics.OUTBOX_PARKED.labels(self.name).set(parked or 0)
        metrics.OUTBOX_OLDEST_SECONDS.labels(self.name).set(float(age or 0))
