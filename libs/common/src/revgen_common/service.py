"""One service shape: what every service process runs beside its HTTP API, and the API's
own frame.

`running_service` holds a service's background life: its process slot (static group
membership, ADR 0010), its outbox relay, and what the service adds — consumers, timers,
clients to close. On the way out everything is stopped and awaited, then the slot is
released and the engine closed, in that order, the same in every service.
`service_app` is the FastAPI frame every internal API shares: routes, the one error
mapping, the internal credential, /metrics. `serve` is every service's `main`.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.api_dependencies import Engine
from revgen_common.internal_api import OPEN_PATHS, InternalCredential
from revgen_common.logs import configure_logging
from revgen_common.periodic import every
from revgen_common.process_slot import ProcessSlot
from revgen_common.relay import OutboxRelay
from revgen_common.settings import ServiceSettings, load_settings
from revgen_common.tracing import configure_tracing

Work = Callable[[asyncio.Event], Coroutine[Any, Any, None]]  # runs until the event is set


class ServiceRuntime:
    def __init__(self, engine: AsyncEngine, slot: ProcessSlot, stop: asyncio.Event):
        self.engine = engine
        self.slot = slot
        self._stop = stop
        self._tasks: list[asyncio.Task[None]] = []
        self._closers: list[Callable[[], Awaitable[Any]]] = []

    def start(self, *work: Work) -> None:
        """Run each piece of work (a consumer's or relay's `run`) until the service stops."""
        self._tasks += [asyncio.create_task(w(self._stop)) for w in work]

    def every(self, seconds: float, job: Callable[[], Awaitable[Any]]) -> None:
        self._tasks.append(asyncio.create_task(every(seconds, job, self._stop)))

    def close_on_stop(self, close: Callable[[], Awaitable[Any]]) -> None:
        """A client to close once the work using it has stopped (before the engine)."""
        self._closers.append(close)

    async def _stop_all(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.slot.release()
        for close in self._closers:
            await close()
        await self.engine.dispose()


@contextlib.asynccontextmanager
async def running_service(name: str, engine: AsyncEngine, bootstrap_servers: str,
                          kind: str = "") -> AsyncIterator[ServiceRuntime]:
    """The service's process slot and outbox relay, running until the block is left. `kind`
    numbers the slots of a service's process that runs other work apart (ProcessSlot)."""
    runtime = ServiceRuntime(engine, await ProcessSlot.claim(engine, kind=kind), asyncio.Event())
    runtime.start(runtime.slot.keep, OutboxRelay(name=name, engine=engine, bootstrap_servers=bootstrap_servers).run)
    try:
        yield runtime
    finally:
        await runtime._stop_all()


def _health_routes() -> APIRouter:
    """/healthz (the process is alive) and /readyz (its database answers), the same in every
    service; the lifespan puts the engine on `app.state.engine` (api_dependencies.Engine)."""
    health = APIRouter()

    @health.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @health.get("/readyz", responses={503: {"description": "the database does not answer"}})
    async def readyz(engine: Engine) -> JSONResponse:
        """The database answers."""
        try:
            async with engine.connect() as db:
                await db.execute(text("SELECT 1"))
        except Exception as error:
            return JSONResponse({"status": "unavailable", "database": str(error)}, status_code=503)
        return JSONResponse({"status": "ready"})

    return health


def service_app(name: str, lifespan: Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]],
                router: APIRouter | Sequence[APIRouter], install_error_handlers: Callable[[FastAPI], None],
                api_token: SecretStr, public_paths: tuple[str, ...] = ()) -> FastAPI:
    """A service's internal API: only callers holding its credential get past the door,
    except on `public_paths` (a provider's webhooks, which carry their own signature)."""
    app = FastAPI(title=f"RevGen {name}", lifespan=lifespan)
    for routes in [router] if isinstance(router, APIRouter) else router:
        app.include_router(routes)
    app.include_router(_health_routes())
    install_error_handlers(app)
    app.add_middleware(InternalCredential, token=api_token.get_secret_value(), open_paths=OPEN_PATHS + public_paths)
    app.mount("/metrics", make_asgi_app())
    return app


S = TypeVar("S", bound=ServiceSettings)


def serve(name: str, settings_class: type[S], create_app: Callable[[S], FastAPI]) -> None:
    """A service's process: its settings validated first (every missing or placeholder
    variable named, before any port opens), then logs, tracing, and its API on its port."""
    settings = load_settings(settings_class)
    configure_logging(settings.log_level)
    configure_tracing(name)
    # Forwarded headers are judged by the app (identity's TRUSTED_PROXIES), never by uvicorn.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, proxy_headers=False)
