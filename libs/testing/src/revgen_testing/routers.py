"""A service's router and error handling in a bare app, its composition given by hand:
an HTTP client for API tests that need no lifespan (no consumer, relay or timers)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

import httpx
from fastapi import APIRouter, FastAPI


@contextlib.asynccontextmanager
async def router_client(router: APIRouter, install_error_handlers: Callable[[FastAPI], None],
                        **state: object) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(router)
    install_error_handlers(app)
    for name, value in state.items():
        setattr(app.state, name, value)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        yield client
