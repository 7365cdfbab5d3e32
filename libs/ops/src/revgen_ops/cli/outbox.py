"""`revgen outbox parked`: rows Kafka refused for good, per service."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from revgen_ops import parked_outbox
from revgen_ops.audit import default_operator
from revgen_ops.cli.common import Context, console, database, fail, run
from revgen_ops.endpoints import SERVICES

app = typer.Typer(help="Service outboxes.", no_args_is_help=True)
parked = typer.Typer(help="Outbox rows Kafka refused for good (too large, an invalid topic), waiting for an operator.",
                     no_args_is_help=True)
app.add_typer(parked, name="parked")

Service = Annotated[str, typer.Option(help=f"one of {', '.join(SERVICES)}")]


@parked.command("list")
def list_parked(service: Annotated[str | None, typer.Option(help="only this service (default: every one "
                                                                  "whose database is known)")] = None) -> None:
    """Parked rows with the reason Kafka gave."""
    names = [service] if service else [s for s in SERVICES if s in Context.endpoints().database_urls]

    async def work():
        found = {}
        for name in names:
            async with database(name) as engine:
                found[name] = await parked_outbox.parked(engine)
        return found

    table = Table(title="Parked outbox rows", title_justify="left")
    for column in ("service", "id", "event", "type", "topic", "bytes", "parked at", "reason"):
        table.add_column(column)
    for name, rows in run(work()).items():
        for r in rows:
            table.add_row(name, str(r.id), str(r.event_id), r.event_type or "-", r.topic, f"{r.size:,}",
                          f"{r.parked_at:%Y-%m-%d %H:%M:%S}", r.reason[:100])
    console.print(table)


def _change(service: str, ids: list[int] | None, every: bool, execute: bool, operator: str, action) -> list[int]:
    if bool(ids) == every:
        raise fail("choose the rows: their ids, or --all", 2)

    async def work():
        async with database(service) as engine:
            chosen = ids or [r.id for r in await parked_outbox.parked(engine)]
            if not execute:
                waiting = {r.id for r in await parked_outbox.parked(engine)}
                return [i for i in chosen if i in waiting]
            return await action(engine, Context.kafka(), service, chosen, operator)

    return run(work())


@parked.command()
def retry(service: Service, ids: Annotated[list[int] | None, typer.Argument(help="outbox row ids")] = None,
          all_rows: Annotated[bool, typer.Option("--all", help="every parked row of the service")] = False,
          execute: Annotated[bool, typer.Option("--execute", help="do it (without it: say what would be)")] = False,
          operator: Annotated[str, typer.Option(help="who, for the audit record")] = default_operator()) -> None:
    """Hand parked rows back to the relay (after fixing why Kafka refused them)."""
    done = _change(service, ids, all_rows, execute, operator, parked_outbox.retry)
    console.print(f"{'handed back to the relay' if execute else 'would hand back (dry run; --execute to do it)'}: "
                  f"{', '.join(map(str, done)) or 'none (not parked)'}")


@parked.command()
def drop(service: Service, ids: Annotated[list[int], typer.Argument(help="outbox row ids")],
         execute: Annotated[bool, typer.Option("--execute", help="do it (without it: say what would be)")] = False,
         operator: Annotated[str, typer.Option(help="who, for the audit record")] = default_operator()) -> None:
    """Delete parked rows for good: their messages will never be published."""
    done = _change(service, ids, False, execute, operator, parked_outbox.drop)
    console.print(f"{'dropped' if execute else 'would drop (dry run; --execute to do it)'}: "
                  f"{', '.join(map(str, done)) or 'none (not parked)'}")
