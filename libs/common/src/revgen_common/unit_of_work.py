"""One database transaction, and the messages it will publish once committed.

Rolls back unless `commit()` is called. Handlers receive one of these: whatever they
write with `connection` and whatever they `publish` commit together, or not at all.
"""
from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from revgen_common.clock import Clock, system_clock
from revgen_common.contracts.base import Contract
from revgen_common.envelope import Envelope
from revgen_common.handler_context import refuse_inside_a_handler
from revgen_common.outbox import outbox_row, write_outbox
from revgen_common.topics import TopicSpec


class Transaction(Protocol):
    """What code that writes needs of its transaction, whoever opened it: a `UnitOfWork` of
    its own, or a handler's `HandlerContext` (the consumer's batch, which it cannot commit)."""

    @property
    def connection(self) -> Any: ...  # an AsyncConnection (a handler's refuses commit/rollback)

    def publish(self, message: Contract, *, event_id: uuid.UUID | None = None) -> object: ...

    def savepoint(self) -> AbstractAsyncContextManager[None]: ...


class UnitOfWork:
    def __init__(self, engine: AsyncEngine, producer: str | None = None, clock: Clock = system_clock):
        """`producer` names the service in the envelopes `publish` builds; `clock` (the
        service's) stamps their `occurred_at`, which consumers' rules may order by."""
        self._engine = engine
        self.producer = producer
        self.clock = clock
        self._transaction: AsyncTransaction | None = None
        self._outgoing: list[dict[str, Any]] = []
        self.connection: AsyncConnection

    async def __aenter__(self) -> "UnitOfWork":
        refuse_inside_a_handler()
        self.connection = await self._engine.connect()
        self._transaction = await self.connection.begin()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            await self.connection.close()

    def publish(self, message: Contract, *, event_id: uuid.UUID | None = None) -> Envelope:
        """Publishes a contract on its topic once the transaction commits; `event_id` when it
        must be the same on every try (so the consumer's inbox absorbs a second copy)."""
        if self.producer is None:
            raise TypeError("this unit of work names no producer: UnitOfWork(engine, producer=...)")
        envelope = Envelope.of(message, self.producer, event_id=event_id, occurred_at=self.clock())
        self.publish_envelope(message.topic, envelope)
        return envelope

    def publish_envelope(self, topic: TopicSpec | str, message: Envelope, headers: dict[str, str] | None = None,
                         value: bytes | None = None) -> None:
        """Publishes an envelope built elsewhere (a dead letter, a test's own message types)."""
        self._outgoing.append(outbox_row(topic, message, headers, value))

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """`async with uow.savepoint():` work that may fail alone: if it raises, what it wrote
        is rolled back to here and what it published is never sent; the transaction goes on.
        (A savepoint of the connection alone would roll back the rows and still send the
        messages, which wait in memory until commit.)"""
        published_before = len(self._outgoing)
        try:
            async with self.connection.begin_nested():
                yield
        except BaseException:
            del self._outgoing[published_before:]
            raise

    async def commit(self) -> None:
        assert self._transaction is not None
        await write_outbox(self.connection, self._outgoing)
        await self._transaction.commit()
        self._outgoing.clear()
