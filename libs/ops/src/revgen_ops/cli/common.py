"""What every command shares: where the system is, the console, and running async work."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from revgen_ops.endpoints import Endpoints, NotConfigured, load_endpoints
from revgen_ops.lag_rules import Status

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

STATUS_STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.REWIND: "cyan", Status.STALL: "red",
                Status.STOP: "bold red", Status.ERR: "bold magenta"}


class Context:
    env_file: Path | None = None
    bootstrap_servers: str | None = None

    @classmethod
    def endpoints(cls) -> Endpoints:
        found = load_endpoints(env_file=cls.env_file)
        if cls.bootstrap_servers:
            return Endpoints(cls.bootstrap_servers, found.database_urls, found.source)
        return found

    @classmethod
    def kafka(cls) -> str:
        return cls.endpoints().kafka()


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's async work; a missing endpoint is a message and exit code 2."""
    try:
        return asyncio.run(work)
    except NotConfigured as missing:
        errors.print(f"[red]{missing}[/red]")
        raise typer.Exit(2) from None


@contextlib.asynccontextmanager
async def database(service: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(Context.endpoints().database(service))
    try:
        yield engine
    finally:
        await engine.dispose()


def status_text(status: Status) -> str:
    return f"[{STATUS_STYLE[status]}]{status.name}[/]"


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[red]{message}[/red]")
    return typer.Exit(code)
