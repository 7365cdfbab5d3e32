"""What a consumer's handler is given: the batch's connection, `publish` and `savepoint()`,
and no way to end the batch's transaction or start one of its own.

The inbox rows of a whole batch are inserted before its first handler runs, so a handler
that committed would mark the messages after it done before they ran, and a failure after
that commit would lose them. The connection a handler sees refuses `commit`, `rollback`,
`begin` and `close`; and while a handler runs, opening a `UnitOfWork` raises too (the
service's engine is reachable from a handler's own object, so that is where it is caught).
Work that must commit by itself belongs in a Staged preparation (`OwnTransactions`).
"""
from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.ext.asyncio import AsyncConnection

from revgen_common.contracts.base import Contract
from revgen_common.envelope import Envelope
from revgen_common.errors import PermanentError
from revgen_common.topics import TopicSpec

if TYPE_CHECKING:
    from revgen_common.unit_of_work import UnitOfWork

_in_handler: contextvars.ContextVar[bool] = contextvars.ContextVar("in_handler", default=False)


class HandlerMisuse(PermanentError):
    """A handler tried to end the batch's transaction or open one of its own (a bug: the
    message is dead-lettered naming it, and nothing it wrote is kept)."""


class _BatchConnection:
    """The batch's connection, less what would end its transaction."""

    _REFUSED = frozenset({"commit", "rollback", "begin", "close", "invalidate", "detach"})

    def __init__(self, connection: AsyncConnection):
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        if name in self._REFUSED:
            raise HandlerMisuse(f"a handler may not {name} the batch's transaction: the consumer commits it, "
                                "with every message of the batch")
        return getattr(self._connection, name)


class HandlerContext:
    """A handler's view of its batch's unit of work."""

    def __init__(self, uow: UnitOfWork):
        self._uow = uow
        # Typed as the connection it stands in for, so adapters taking an AsyncConnection take
        # it too; only the calls that would end the batch's transaction refuse (HandlerMisuse).
        self.connection = cast(AsyncConnection, _BatchConnection(uow.connection))

    @property
    def producer(self) -> str | None:
        return self._uow.producer

    def publish(self, message: Contract, *, event_id: uuid.UUID | None = None) -> Envelope:
        return self._uow.publish(message, event_id=event_id)

    def publish_envelope(self, topic: TopicSpec | str, message: Envelope, headers: dict[str, str] | None = None,
                         value: bytes | None = None) -> None:
        self._uow.publish_envelope(topic, message, headers, value)

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """`async with ctx.savepoint():` work that may fail alone, without failing the batch:
        if it raises, neither its rows nor its messages are kept (UnitOfWork.savepoint)."""
        return self._uow.savepoint()


@contextlib.contextmanager
def in_handler() -> Iterator[None]:
    """The scope of one handler: a UnitOfWork opened in it is refused."""
    token = _in_handler.set(True)
    try:
        yield
    finally:
        _in_handler.reset(token)


def refuse_inside_a_handler() -> None:
    if _in_handler.get():
        raise HandlerMisuse("a handler may not open a unit of work of its own: what it writes must commit with "
                            "its batch (use the context it was given)")
