"""A process slot: the lowest small number no live process of this service holds, kept under a
PostgreSQL advisory lock for as long as the process lives. It names the process's consumers
to Kafka (`group.instance.id`), which makes them static members of their groups (KIP-345).

Why: a consumer killed with kill -9 never leaves its group, and the broker keeps its
partitions until its session expires (30 s). A static member that comes back with the same
instance id takes its partitions back at once. The id must be stable across restarts and
unique among live processes (two live members with one id fence each other in turn). A
slot in the service's own database is both: a killed process's connection closes with it,
the lock goes, and its replacement takes the same slot, hence the same ids.

If the lock's connection is lost (a database restart), the slot is taken again; should
another process hold it by then, this one is the duplicate and shuts itself down.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import zlib
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# The first key of the two-integer advisory locks this module takes (a key space that never
# meets the one-bigint locks the relay and the services use). "RGPS".
SLOT_LOCK_SPACE = 0x52475053
MAX_SLOTS = 256
CHECK_EVERY_SECONDS = 5.0
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:space, :slot)")


class NoFreeSlot(RuntimeError):
    pass


def lock_space(kind: str = "") -> int:
    """The key space of one kind of process: a service's processes that run different work
    (messaging and its sender) number their slots apart, so neither takes the other's slot,
    hence its instance ids, when one of them restarts."""
    return SLOT_LOCK_SPACE if not kind else (SLOT_LOCK_SPACE + zlib.crc32(kind.encode())) % 2**31


def _shut_down() -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # a graceful stop: batches in flight finish first


class ProcessSlot:
    def __init__(self, engine: AsyncEngine, number: int, connection: AsyncConnection,
                 on_taken: Callable[[], None] = _shut_down, space: int = SLOT_LOCK_SPACE):
        self.engine = engine
        self.number = number
        self._connection = connection
        self._on_taken = on_taken
        self._space = space

    @classmethod
    async def claim(cls, engine: AsyncEngine, on_taken: Callable[[], None] = _shut_down,
                    kind: str = "") -> ProcessSlot:
        """The lowest free slot among processes of this `kind`, held until `release` (or the
        end of the process). `on_taken` runs if another process holds it after this one lost
        its lock."""
        space = lock_space(kind)
        connection = await _autocommit(engine)
        try:
            for number in range(MAX_SLOTS):
                if await connection.scalar(_TRY_LOCK, {"space": space, "slot": number}):
                    log.info("process slot %d%s claimed", number, f" ({kind})" if kind else "")
                    return cls(engine, number, connection, on_taken, space)
        except BaseException:
            await connection.close()
            raise
        await connection.close()
        raise NoFreeSlot(f"all {MAX_SLOTS} process slots are held by live processes")

    def instance_id(self, group: str) -> str:
        """This process's static member id in `group`."""
        return f"{group}-{self.number}"

    async def keep(self, stop: asyncio.Event, every: float = CHECK_EVERY_SECONDS) -> None:
        """Checks the lock's connection until `stop`; takes the slot again if it was lost."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), every)
                return
            except TimeoutError:
                pass
            try:
                await self._connection.scalar(text("SELECT 1"))
            except Exception as error:  # the connection, hence the lock, is gone
                log.warning("process slot %d: lock connection lost (%r); taking it again", self.number, error)
                await self._take_again()

    async def _take_again(self) -> None:
        try:
            await self._connection.invalidate()
            connection = await _autocommit(self.engine)
        except Exception as error:  # the database is away: try again at the next check
            log.warning("process slot %d: database unreachable (%r)", self.number, error)
            return
        if await connection.scalar(_TRY_LOCK, {"space": self._space, "slot": self.number}):
            self._connection = connection
            return
        await connection.close()
        log.error("process slot %d was taken by another process while the database was away: this "
                  "process would share its consumers' instance ids, so it shuts down", self.number)
        self._on_taken()

    async def release(self) -> None:
        # Closed, not returned to the pool: the session ends, and its lock with it.
        await self._connection.invalidate()
        await self._connection.close()


async def _autocommit(engine: AsyncEngine) -> AsyncConnection:
    # Not idle in a transaction for the whole life of the process: the lock is the session's.
    connection = await engine.connect()
    return await connection.execution_options(isolation_level="AUTOCOMMIT")
