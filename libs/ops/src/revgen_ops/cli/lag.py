"""`revgen lag`: every group's lag and status, read from the brokers."""
from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Group
from rich.live import Live
from rich.table import Table

from revgen_ops.cli.common import Context, console, run, status_text
from revgen_ops.lag import GroupLag, observe
from revgen_ops.lag_rules import Status, Window


def lag(
    group: Annotated[list[str] | None, typer.Option("--group", "-g", help="only this group (repeatable)")] = None,
    watch: Annotated[bool, typer.Option("--watch", help="refresh every --interval seconds until Ctrl-C")] = False,
    interval: Annotated[float, typer.Option(min=1)] = 5.0,
    window: Annotated[float, typer.Option(help="evaluation window of the status rules, seconds", min=1)] = 300.0,
    partitions: Annotated[bool, typer.Option("--partitions", "-p",
                                             help="every partition, not only the ones that are not OK")] = False,
) -> None:
    """Per group and partition: offset lag, time lag (age of the oldest waiting message) and
    status (OK, WARN, REWIND, STALL, STOP, ERR; rules in docs/operations/lag.md). Works
    while the group is down. Exit code 1 when a group is STALL, STOP or ERR."""
    rules = Window(seconds=window)
    bootstrap = Context.kafka()
    if not watch:
        observed = run(observe(bootstrap, group, rules))
        console.print(render(observed, partitions))
        raise typer.Exit(1 if any(g.status >= Status.STALL for g in observed) else 0)

    async def keep_watching() -> None:
        with Live(console=console, auto_refresh=False) as live:
            while True:
                live.update(render(await observe(bootstrap, group, rules), partitions), refresh=True)
                await asyncio.sleep(interval)

    try:
        run(keep_watching())
    except KeyboardInterrupt:
        pass


def render(observed: list[GroupLag], every_partition: bool) -> Group | Table:
    groups = Table(title="Consumer groups (read from the brokers)", title_justify="left")
    for column in ("group", "state", "members", "status", "lag", "time lag", "partitions"):
        groups.add_column(column, justify="right" if column in ("members", "lag", "time lag", "partitions") else "left")
    for g in observed:
        groups.add_row(g.group, g.state, str(len(g.members)), status_text(g.status), f"{g.lag:,}",
                       _seconds(g.lag_seconds), str(len(g.partitions)))
    detail = Table(title="Partitions" + ("" if every_partition else " not OK"), title_justify="left")
    for column in ("group", "topic", "p", "committed", "end", "lag", "time lag", "status", "why", "held by"):
        detail.add_column(column, justify="right" if column in ("p", "committed", "end", "lag", "time lag") else "left")
    shown = 0
    for g in observed:
        for p in g.partitions:
            if every_partition or p.status is not Status.OK:
                shown += 1
                detail.add_row(g.group, p.topic, str(p.partition), "-" if p.committed is None else f"{p.committed:,}",
                               f"{p.end:,}", f"{p.lag:,}", _seconds(p.lag_seconds), status_text(p.status), p.reason,
                               p.owner.client_id if p.owner else "-")
    return Group(groups, detail) if shown else groups


def _seconds(value: float) -> str:
    if value < 120:
        return f"{value:.1f}s"
    if value < 7200:
        return f"{value / 60:.1f}m"
    return f"{value / 3600:.1f}h"
