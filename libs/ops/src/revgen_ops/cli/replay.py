"""`revgen replay`: move a group's offsets back (dry run unless --execute)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from revgen_ops import offset_resets
from revgen_ops.audit import default_operator
from revgen_ops.cli.common import Context, console, fail, run
from revgen_ops.groups import declared_topics
from revgen_ops.offset_resets import GroupIsActive, ResetPlan, Target, WouldSkip


def replay(
    group: Annotated[str, typer.Argument(help="the consumer group to move")],
    topic: Annotated[list[str] | None, typer.Option("--topic", "-t", help="topic to replay (repeatable)")] = None,
    all_topics: Annotated[bool, typer.Option("--all-topics", help="every topic the group is declared to read")] = False,
    to_earliest: Annotated[bool, typer.Option("--to-earliest", help="the start of each partition's log")] = False,
    to_offset: Annotated[int | None, typer.Option(help="this offset in every partition", min=0)] = None,
    to_datetime: Annotated[datetime | None, typer.Option(
        help="the first message at or after this time (ISO 8601 with a zone, e.g. 2026-12-01T09:00:00+00:00)",
        formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z"])] = None,
    shift: Annotated[int | None, typer.Option(help="move by N messages (negative: back)")] = None,
    partition: Annotated[list[int] | None, typer.Option("--partition", "-p", help="only this partition")] = None,
    execute: Annotated[bool, typer.Option("--execute", help="apply it (the group must have no active member)")] = False,
    skip: Annotated[bool, typer.Option("--skip", help="allow moving forward past unconsumed messages (they are lost)")] = False,
    operator: Annotated[str, typer.Option(help="who, for the audit record")] = default_operator(),
) -> None:
    """Re-deliver a topic to a consumer group. Prints per partition the offset now, the
    offset after and how many messages that re-delivers; changes nothing without --execute.
    Every consumer applies through its inbox, so a replay re-applies nothing it already
    applied. Executed resets are recorded on revgen.operations-audit (`revgen audit`)."""
    topics = list(topic or [])
    if all_topics:
        topics += [t for t in declared_topics(group) if t not in topics]
    if not topics:
        raise fail("name the topics: --topic T (repeatable) or --all-topics", 2)
    try:
        target = Target(earliest=to_earliest, offset=to_offset, at=to_datetime, shift=shift)
    except ValueError as error:
        raise fail(str(error).capitalize(), 2) from None
    bootstrap = Context.kafka()
    if not execute:
        reset = run(offset_resets.plan(bootstrap, group, topics, target, partition))
        console.print(render(reset, "Dry run: nothing changed"))
        if reset.members:
            console.print(f"[yellow]{len(reset.members)} active member(s): --execute would be refused until they "
                          f"stop: {'; '.join(str(m) for m in reset.members)}[/yellow]")
        console.print("Run again with --execute to apply it.")
        return
    try:
        reset = run(offset_resets.execute(bootstrap, group, topics, target, operator, partition, allow_skip=skip))
    except GroupIsActive as active:
        raise fail(f"Refused: {active}", 3) from None
    except WouldSkip as skipping:
        raise fail(f"Refused: {skipping}", 3) from None
    console.print(render(reset, f"Applied by {operator} (recorded on revgen.operations-audit)"))


def render(reset: ResetPlan, caption: str) -> Table:
    moving = [m for m in reset.moves if m.redelivered or m.skipped]
    if len(moving) < len(reset.moves):
        caption += f"; {len(reset.moves) - len(moving)} partition(s) where nothing moves are not shown"
    table = Table(title=f"Replay of {reset.group} to {reset.target}", caption=caption, title_justify="left")
    for column in ("topic", "partition", "offset now", "offset after", "re-delivered", "skipped"):
        table.add_column(column, justify="left" if column == "topic" else "right")
    for m in moving:
        table.add_row(m.topic, str(m.partition), "-" if m.now is None else f"{m.now:,}", f"{m.after:,}",
                      f"{m.redelivered:,}", f"[red]{m.skipped:,}[/red]" if m.skipped else "0")
    table.add_row("[b]total[/b]", "", "", "", f"[b]{reset.redelivered:,}[/b]", f"{reset.skipped:,}")
    return table
