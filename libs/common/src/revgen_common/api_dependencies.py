"""What any service's route may take besides its own input: the service's database engine
(its lifespan puts it on `app.state.engine`, service.py) and a connection on it for a
route that reads through an adapter. Routes name these types; only the providers here
reach into `app.state` (tests/unit/test_typed_dependencies.py)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


async def engine(request: Request) -> AsyncEngine:
    found: AsyncEngine = request.app.state.engine
    return found


Engine = Annotated[AsyncEngine, Depends(engine)]


async def connection(db_engine: Engine) -> AsyncIterator[AsyncConnection]:
    async with db_engine.connect() as db:
        yield db


# Given back to the pool when the route returns, before its answer is sent ("function").
DbConnection = Annotated[AsyncConnection, Depends(connection, scope="function")]
