"""What the ledger does when asyncpg loses track of a connection's protocol state."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg


@contextlib.asynccontextmanager
async def replaced_when_broken(pool: asyncpg.Pool) -> AsyncIterator[None]:
    """A server that goes away mid-statement can leave asyncpg's protocol state corrupt
    (InternalClientError, MagicStack/asyncpg#1069), and that connection would then fail
    every statement. Which pooled connection it was is not known, so all are replaced."""
    try:
        yield
    except asyncpg.InternalClientError:
        await pool.expire_connections()
        raise
