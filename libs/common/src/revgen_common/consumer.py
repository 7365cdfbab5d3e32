"""The exactly-once-effect consumer every service runs on.

For each batch of one partition: the inbox rows, the handlers' state changes and their
outgoing messages (outbox rows) commit in ONE PostgreSQL transaction, and only then is
the Kafka offset committed. A crash anywhere replays the batch; the inbox turns the
replay into a no-op. Order per partition is kept by never having two batches of one
partition in flight; other partitions go on while one waits out a retry.

A `Staged` handler's slow part (a provider call) runs before that transaction, for every
message of the batch at once — one after another only within a key, so order per key
holds — and its result is applied in the transaction. Preparing must be idempotent: a
batch that does not commit may be prepared again (after a crash, or by the partition's
next owner).

A message that must wait (a failure's backoff, or a `NotYet`) keeps the rest of its batch in
memory: the partition stays paused and the same records, with what was already prepared
for them, are tried again when the wait is over — no seek, no fetch, so the wait is exactly
what was asked (ADR 0006).
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common import metrics
from revgen_common.checkpoints import Checkpoint, no_checkpoint
from revgen_common.dead_letters import dead_letter_envelope, dead_letter_headers
from revgen_common.envelope import Envelope
from revgen_common.contracts import Contract
from revgen_common.errors import Backoff, InvalidPayload, NotYet, UndecodableMessage, classify
from revgen_common.kafka_config import consumer_config
from revgen_common.periodic import every
from revgen_common.topics import ALL_TOPICS, DEAD_LETTERS, TopicSpec
from revgen_common.tracing import handling
from revgen_common.handler_context import HandlerContext, in_handler
from revgen_common.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, HandlerContext], Awaitable[None]]


@dataclass(frozen=True)
class Staged:
    """`prepare(event)` runs outside the batch's transaction, concurrently with the rest of
    the batch (a provider's call); `apply(event, ctx, prepared)` then runs in it with what
    prepare returned."""
    prepare: Callable[[Envelope], Awaitable[object]]
    apply: Callable[[Envelope, HandlerContext, object], Awaitable[None]] | None

    def __post_init__(self) -> None:
        if self.apply is None and type(self) is Staged:
            raise TypeError("Staged needs its apply; work that commits by itself is OwnTransactions(run)")


class OwnTransactions(Staged):
    """`run(event)` does all the work in transactions of its own, outside the batch's (the
    sender records Twilio's answer the moment it has it). It must be safe to run twice by
    its own keys: the message is recorded in the inbox only after it returns."""

    def __init__(self, run: Callable[[Envelope], Awaitable[object]]):
        super().__init__(prepare=run, apply=None)


Handlers = Mapping[type[Contract], Handler | Staged]  # a consumer's routes, by message contract


def by_type(handlers: Handlers) -> dict[str, Handler | Staged]:
    """The handler table by message type. Keys are contract classes, so a typo fails here,
    at start-up, not as messages counted `ignored` in silence."""
    table: dict[str, Handler | Staged] = {}
    for contract, handler in handlers.items():
        if not (isinstance(contract, type) and issubclass(contract, Contract)) \
                or Contract.registry.get(contract.type_name()) is not contract:
            raise TypeError(f"a handler is keyed by {contract!r}, which is no registered message contract")
        table[contract.type_name()] = handler
    return table


_NOT_PREPARED = object()
# A message can come again for as long as a topic keeps it (an operator's replay from the
# earliest offset), so its inbox row outlives the longest retention we declare, then goes.
INBOX_KEEP_SECONDS = max(t.retention_ms for t in ALL_TOPICS) / 1000 + 86_400
INBOX_PRUNE_EVERY_SECONDS = 3600
_PRUNE_INBOX = text("""
    DELETE FROM inbox WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM inbox WHERE consumer = :consumer
          AND processed_at < now() - make_interval(secs => CAST(:keep AS double precision))
        LIMIT :chunk))""")
_ALREADY_APPLIED = text("SELECT event_id FROM inbox WHERE consumer = :consumer AND event_id = ANY(:event_ids)")

_CLAIM_INBOX = text("""
    INSERT INTO inbox (consumer, event_id, topic, partition, "offset", outcome)
    SELECT :consumer, event_id, topic, partition, "offset", :outcome
    FROM unnest(CAST(:event_ids AS uuid[]), CAST(:topics AS text[]), CAST(:partitions AS integer[]),
                CAST(:offsets AS bigint[])) AS batch(event_id, topic, partition, "offset")
    ON CONFLICT DO NOTHING
    RETURNING event_id""")


def _poison_id(record: ConsumerRecord) -> uuid.UUID:
    """Stable id for a message we cannot read, so its dead-lettering is idempotent too."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"kafka://{record.topic}/{record.partition}/{record.offset}")


@dataclass
class _Decoded:
    record: ConsumerRecord
    event_id: uuid.UUID
    envelope: Envelope | None = None
    error: Exception | None = None  # the message itself is wrong (undecodable, breaks its contract)
    prepared: object = _NOT_PREPARED
    failed: Exception | None = None  # what its last preparation raised
    not_before: float = 0.0  # event-loop time before which it is neither prepared nor applied


def _decode(record: ConsumerRecord) -> _Decoded:
    try:
        envelope = Envelope.from_bytes(record.value)
        return _Decoded(record, envelope.event_id, envelope=envelope)
    except Exception as error:  # anything unreadable is a poison message, never a crash loop
        return _Decoded(record, _poison_id(record), error=UndecodableMessage(f"undecodable message: {error}"))


class _MessageFailed(Exception):
    def __init__(self, index: int, error: Exception):
        super().__init__(f"message {index} of the batch failed: {error!r}")
        self.index = index
        self.error = error


@dataclass
class _Retry:
    """A partition's messages not applied yet, waiting in memory for their next try."""
    pending: list[_Decoded]
    attempts: int
    due: float  # event-loop time: when the first of them may make progress
    timer: asyncio.TimerHandle | None = None  # armed once the worker that failed has finished

    @property
    def offset(self) -> int:
        return self.pending[0].record.offset

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


@dataclass
class ConsumerOptions:
    max_batch: int = 500  # records per poll, across partitions: a partition's batch is its share
    max_partitions_in_flight: int = 8
    poll_timeout_ms: int = 100
    max_attempts_for_unexpected_errors: int = 5
    backoff: Backoff = field(default_factory=Backoff)
    lag_refresh_seconds: float = 2.0
    max_concurrent_preparations: int = 64  # Staged.prepare calls at once, across partitions
    inbox_keep_seconds: float = INBOX_KEEP_SECONDS


class ExactlyOnceConsumer:
    def __init__(
        self,
        *,
        name: str,
        topics: Iterable[TopicSpec | str],
        handlers: Handlers,
        engine: AsyncEngine,
        bootstrap_servers: str,
        options: ConsumerOptions | None = None,
        checkpoint: Checkpoint = no_checkpoint,
        producer: str | None = None,
        **kafka_overrides: object,
    ):
        self.name = name
        self.producer = producer or name  # in the envelopes its handlers publish
        self.topics = [t.name if isinstance(t, TopicSpec) else t for t in topics]
        self.handlers = by_type(handlers)
        self.engine = engine
        self.options = options or ConsumerOptions()
        self._checkpoint = checkpoint
        self._consumer = AIOKafkaConsumer(
            **consumer_config(bootstrap_servers, group_id=name, max_poll_records=self.options.max_batch,
                              **kafka_overrides)
        )
        self._workers: dict[TopicPartition, asyncio.Task[None]] = {}
        self._retrying: dict[TopicPartition, _Retry] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._capacity_paused: set[TopicPartition] = set()
        self._next_lag_refresh = 0.0
        self._preparing = asyncio.Semaphore(self.options.max_concurrent_preparations)
        self._running = False

    # -- lifecycle -------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        self._consumer.subscribe(self.topics, listener=_DrainOnRevoke(self))
        await self._consumer.start()
        log.info("consumer %s started on %s", self.name, self.topics)
        pruning = asyncio.create_task(every(INBOX_PRUNE_EVERY_SECONDS, self.prune_inbox, stop))
        self._running = True
        try:
            while not stop.is_set():
                await self._poll_once()
        finally:
            self._running = False  # no retry starts from here on
            pruning.cancel()
            for retry in self._retrying.values():
                retry.cancel()
            await self._drain(list(self._workers))
            _leave_when_stopped(self._consumer)
            await self._consumer.stop()
            log.info("consumer %s stopped", self.name)

    async def prune_inbox(self, chunk: int = 10_000) -> int:
        """Delete this consumer's inbox rows older than `inbox_keep_seconds`, a chunk per
        transaction so no long lock is held; returns how many went."""
        deleted = 0
        while True:
            async with self.engine.begin() as db:
                count = (await db.execute(_PRUNE_INBOX, {"consumer": self.name, "chunk": chunk,
                                                         "keep": self.options.inbox_keep_seconds})).rowcount
            deleted += count
            if count < chunk:
                return deleted

    async def _poll_once(self) -> None:
        self._apply_capacity_limit()
        batches = await self._consumer.getmany(timeout_ms=self.options.poll_timeout_ms,
                                               max_records=self.options.max_batch)
        for tp, records in batches.items():
            if records:
                self._consumer.pause(tp)  # one batch per partition in flight keeps order
                self._start(tp, [self._checked(_decode(r)) for r in records])
        self._refresh_lag()

    def _start(self, tp: TopicPartition, batch: list[_Decoded]) -> None:
        self._workers[tp] = asyncio.create_task(self._work(tp, batch), name=f"{self.name}:{tp}")

    def _apply_capacity_limit(self) -> None:
        """Bound work in flight by pausing everything idle while the limit is reached."""
        busy = set(self._workers) | set(self._retrying)  # paused by their own batch or wait
        full = len(self._workers) >= self.options.max_partitions_in_flight
        for tp in self._consumer.assignment():
            if tp in busy:
                continue
            if full and tp not in self._capacity_paused:
                self._consumer.pause(tp)
                self._capacity_paused.add(tp)
            elif not full and tp in self._capacity_paused:
                self._consumer.resume(tp)
                self._capacity_paused.discard(tp)
        metrics.PAUSED_PARTITIONS.labels(self.name).set(len(self._consumer.paused()))

    async def _drain(self, partitions: Iterable[TopicPartition]) -> None:
        tasks = [self._workers[tp] for tp in partitions if tp in self._workers]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- one partition's batch ------------------------------------------------------

    async def _work(self, tp: TopicPartition, batch: list[_Decoded]) -> None:
        retry = False
        try:
            await self._prepare(batch)
            retry = await self._apply_batch(tp, batch)
        except Exception:
            log.exception("consumer %s: batch on %s failed outside a handler; trying it again", self.name, tp)
            self._hold_batch(tp, batch)
            retry = True
        finally:
            self._workers.pop(tp, None)
            if retry:
                self._arm(tp)
            elif tp in self._consumer.assignment():
                self._consumer.resume(tp)

    def _arm(self, tp: TopicPartition) -> None:
        """Start the waiting retry's timer, now that its partition has no worker: the wait is
        a timer, not a poll, so it ends when it should."""
        retry = self._retrying.get(tp)
        if retry is not None and retry.timer is None and self._running:
            retry.timer = asyncio.get_running_loop().call_at(retry.due, self._retry_now, tp, retry)

    def _retry_now(self, tp: TopicPartition, retry: _Retry) -> None:
        if (self._running and self._retrying.get(tp) is retry and tp not in self._workers
                and tp in self._consumer.assignment()):
            self._start(tp, retry.pending)  # the attempt count survives until a try succeeds

    def _checked(self, item: _Decoded) -> _Decoded:
        """A message this consumer handles must carry the payload its contract describes;
        one that does not is dead-lettered at once naming the field, before any handler
        trips over it (or a provider is called with it)."""
        envelope = item.envelope
        if envelope is not None and envelope.type in self.handlers:
            try:
                envelope.contract()
            except ValidationError as error:
                item.error = InvalidPayload(f"{envelope.type} payload breaks its contract: {error}")
        return item

    async def _apply_batch(self, tp: TopicPartition, batch: list[_Decoded]) -> bool:
        """Apply a batch in one transaction; returns True when the partition must wait and
        retry. When one message fails, the ones before it are applied without it and that
        message alone is retried or dead-lettered: a failing call is never repeated at once."""
        while batch:
            started = time.perf_counter()
            try:
                async with UnitOfWork(self.engine, self.producer) as uow:
                    await self._apply_all(uow, batch)
                    self._checkpoint("before_db_commit")
                    await uow.commit()
            except _MessageFailed as failure:
                before, failed = batch[:failure.index], batch[failure.index]
                if before and await self._apply_batch(tp, before):
                    return True
                if not await self._fail(tp, batch[failure.index:], failure.error):
                    await self._commit_offset(tp, failed.record.offset)
                    return True
                await self._commit_offset(tp, failed.record.offset + 1)
                batch = batch[failure.index + 1:]
                continue
            except Exception as error:  # the database or the commit itself: the whole batch waits
                log.warning("consumer %s: batch on %s not applied: %r", self.name, tp, error)
                metrics.RETRIES.labels(self.name, tp.topic).inc()
                self._hold_batch(tp, batch)
                return True
            self._checkpoint("after_db_commit")
            self._retrying.pop(tp, None)
            metrics.HANDLER_SECONDS.labels(self.name).observe(time.perf_counter() - started)
            await self._commit_offset(tp, batch[-1].record.offset + 1)
            self._checkpoint("after_offset_commit")
            return False
        return False

    async def _prepare(self, batch: list[_Decoded]) -> None:
        staged = [item for item in batch if item.prepared is _NOT_PREPARED and item.envelope is not None
                  and item.error is None and isinstance(self.handlers.get(item.envelope.type), Staged)]
        if not staged:
            return
        async with self.engine.connect() as db:  # a replay's applied messages are not prepared again
            done = set((await db.execute(_ALREADY_APPLIED, {
                "consumer": self.name, "event_ids": [item.event_id for item in staged]})).scalars())
        by_key: dict[bytes | None, list[_Decoded]] = {}
        for item in staged:
            if item.event_id not in done:  # nor a second copy in this batch: apply skips it
                done.add(item.event_id)
                by_key.setdefault(item.record.key, []).append(item)
        await asyncio.gather(*(self._prepare_in_order(items) for items in by_key.values()))

    async def _prepare_in_order(self, items: list[_Decoded]) -> None:
        loop = asyncio.get_running_loop()
        for item in items:
            if item.not_before > loop.time():
                return  # it waits, and the key's later messages with it
            stage = self.handlers[item.envelope.type]
            item.failed = None  # what an earlier try raised is over
            try:
                with handling(item.envelope, item.record.headers, self.name, step="prepare"):
                    async with self._preparing:
                        item.prepared = await stage.prepare(item.envelope)
            except Exception as error:  # raised where it is applied, so the batch stops there
                item.failed = error
                if isinstance(error, NotYet):  # when it may be prepared again
                    item.not_before = loop.time() + (error.retry_after or 0.0)
                return  # the key's later messages wait for this one

    async def _apply_all(self, uow: UnitOfWork, batch: list[_Decoded]) -> None:
        fresh = await self._claim_inbox(uow, batch)
        halfway = len(batch) // 2
        now = asyncio.get_running_loop().time()
        for position, item in enumerate(batch):
            if position == halfway:
                self._checkpoint("mid_batch")
            if item.event_id not in fresh:
                self._count(item, "duplicate")
                continue
            fresh.discard(item.event_id)  # a duplicate later in the same batch is a no-op too
            try:
                if item.error is not None:
                    raise item.error
                if item.not_before > now:
                    raise NotYet(f"waiting: {item.failed or 'its backoff'}", retry_after=item.not_before - now)
                if item.failed is not None:
                    raise item.failed
                await self._handle(uow, item)
            except Exception as error:
                raise _MessageFailed(position, error) from error

    async def _claim_inbox(self, uow: UnitOfWork, batch: list[_Decoded], outcome: str = "applied") -> set[uuid.UUID]:
        """Insert the batch's inbox rows; returns the event ids that were not there yet.
        One prepared statement over arrays, whatever the batch size (no per-row SQL)."""
        result = await uow.connection.execute(_CLAIM_INBOX, {
            "consumer": self.name, "outcome": outcome,
            "event_ids": [item.event_id for item in batch],
            "topics": [item.record.topic for item in batch],
            "partitions": [item.record.partition for item in batch],
            "offsets": [item.record.offset for item in batch],
        })
        return set(result.scalars())

    async def _handle(self, uow: UnitOfWork, item: _Decoded) -> None:
        envelope = item.envelope
        assert envelope is not None
        handler = self.handlers.get(envelope.type)
        if handler is None:  # this service does not care about this type: recorded, not applied
            self._count(item, "ignored")
            return
        with handling(envelope, item.record.headers, self.name), in_handler():
            if not isinstance(handler, Staged):
                await handler(envelope, HandlerContext(uow))
            elif item.prepared is _NOT_PREPARED:  # an earlier message of its key failed (dead-lettered)
                raise NotYet("not prepared in this batch; prepared when the partition is read again", retry_after=0.0)
            elif handler.apply is not None:
                await handler.apply(envelope, HandlerContext(uow), item.prepared)
        self._count(item, "applied")

    # -- failures ---------------------------------------------------------------------

    async def _fail(self, tp: TopicPartition, pending: list[_Decoded], error: Exception) -> bool:
        """Handle the failure of `pending[0]`: True if it was dead-lettered (move on), False
        if the partition must wait and retry it (and the messages behind it)."""
        item = pending[0]
        verdict = classify(error)
        state = self._retrying.get(tp)
        earlier = state.attempts if state and state.offset == item.record.offset else 0
        if verdict.scheduled:  # not a failure: wait exactly as told, the attempt count unchanged
            log.debug("consumer %s: %s@%d waits %.3fs: %s", self.name, tp, item.record.offset,
                      verdict.retry_after, error)
            metrics.DEFERRALS.labels(self.name, tp.topic).inc()
            self._hold(tp, pending, earlier, verdict.retry_after or 0.0)
            return False
        attempts = earlier + 1
        give_up = not verdict.transient or (
            verdict.bounded and attempts >= self.options.max_attempts_for_unexpected_errors)
        if give_up:
            await self._dead_letter(item, error)
            self._retrying.pop(tp, None)
            return True
        log.warning("consumer %s: transient failure at %s@%d (attempt %d): %r",
                    self.name, tp, item.record.offset, attempts, error)
        metrics.RETRIES.labels(self.name, tp.topic).inc()
        self._hold(tp, pending, attempts, self.options.backoff.delay(attempts, verdict.retry_after))
        return False

    def _hold_batch(self, tp: TopicPartition, batch: list[_Decoded]) -> None:
        """A whole batch failed (not one message): one more attempt, and its backoff."""
        state = self._retrying.get(tp)
        attempts = (state.attempts if state else 0) + 1
        self._hold(tp, batch, attempts, self.options.backoff.delay(attempts), keep_first=True)

    def _hold(self, tp: TopicPartition, pending: list[_Decoded], attempts: int, delay: float, *,
              keep_first: bool = False) -> None:
        """Backpressure: the partition stays paused and its messages not applied yet wait in
        memory; the poll loop goes on serving the other partitions and the group heartbeat.
        `pending[0]` waits `delay`. What was prepared for the messages behind it is kept, so a
        provider is not asked twice; those whose preparation must wait keep their own time
        (a booked turn), the others wait as long as the first. The partition wakes for the
        earliest of them: prepares of other keys need not wait for the first message, only
        their results are applied in order."""
        now = asyncio.get_running_loop().time()
        due = now + delay
        for position, item in enumerate(pending):
            if position == 0:
                if not (keep_first or item.not_before > now):  # (not tried this time: it only waits on)
                    item.prepared, item.failed = _NOT_PREPARED, None
                item.not_before = max(item.not_before, due)
            elif item.failed is not None:
                if not isinstance(item.failed, NotYet):
                    item.not_before = max(item.not_before, due)
                item.prepared, item.failed = _NOT_PREPARED, None
        wake = min([due] + [item.not_before for item in pending[1:] if item.not_before > now])
        previous = self._retrying.get(tp)
        if previous is not None:
            previous.cancel()
        self._retrying[tp] = _Retry(pending, attempts, wake)

    async def _dead_letter(self, item: _Decoded, error: Exception) -> None:
        log.error("consumer %s: dead-lettering %s@%d/%d: %r", self.name, item.record.topic,
                  item.record.partition, item.record.offset, error)
        async with UnitOfWork(self.engine, self.producer) as uow:
            if await self._claim_inbox(uow, [item], outcome="dead_lettered"):
                letter = dead_letter_envelope(self.name, item.event_id, item.envelope)
                uow.publish_envelope(DEAD_LETTERS, letter, headers=dead_letter_headers(self.name, item.record, error),
                            value=item.record.value or b"")
            await uow.commit()
        metrics.DEAD_LETTERS.labels(self.name, item.record.topic).inc()
        self._count(item, "dead_lettered")

    # -- offsets and metrics ----------------------------------------------------------

    async def _commit_offset(self, tp: TopicPartition, offset: int) -> None:
        if self._committed.get(tp, -1) >= offset:
            return
        try:
            await self._consumer.commit({tp: offset})
            self._committed[tp] = offset
        except (CommitFailedError, IllegalStateError, KafkaError) as error:
            # The DB commit already happened; whoever owns the partition next replays from
            # the last committed offset and the inbox absorbs the repeats.
            log.warning("consumer %s: offset commit for %s failed: %r", self.name, tp, error)

    def _count(self, item: _Decoded, outcome: str) -> None:
        metrics.EVENTS_CONSUMED.labels(self.name, item.record.topic, outcome).inc()

    def _refresh_lag(self) -> None:
        now = time.monotonic()
        if now < self._next_lag_refresh:
            return
        self._next_lag_refresh = now + self.options.lag_refresh_seconds
        for tp in self._consumer.assignment():
            end = self._consumer.highwater(tp)
            position = self._committed.get(tp)
            if end is not None and position is not None:
                metrics.CONSUMER_LAG.labels(self.name, tp.topic, str(tp.partition)).set(max(0, end - position))

    def forget(self, partitions: Iterable[TopicPartition]) -> None:
        """Another member may own these now: what waited in memory is dropped, and read again
        from the committed offset by whoever owns the partition next."""
        for tp in partitions:
            retry = self._retrying.pop(tp, None)
            if retry is not None:
                retry.cancel()
            self._committed.pop(tp, None)
            self._capacity_paused.discard(tp)


def _leave_when_stopped(consumer: AIOKafkaConsumer) -> None:
    """A member stopping on purpose leaves its group, so its partitions go to the other
    members (or its restart) at once; only a killed process keeps them, for its restart to
    take back as the same static member. aiokafka 0.14 (`_maybe_leave_group`) sends no
    LeaveGroup for a static member; without the instance id it sends one by member id,
    which the broker honours for static members too (test_static_membership.py)."""
    coordinator = getattr(consumer, "_coordinator", None)
    if coordinator is not None and getattr(coordinator, "_group_instance_id", None) is not None:
        coordinator._group_instance_id = None


class _DrainOnRevoke(ConsumerRebalanceListener):
    """Before a partition is handed to another member, finish (and commit) its batch in
    flight, so no offset is ever committed past work that is not in the database."""

    def __init__(self, runtime: ExactlyOnceConsumer):
        self.runtime = runtime

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.runtime._drain(revoked)
        self.runtime.forget(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.runtime.forget(assigned)
