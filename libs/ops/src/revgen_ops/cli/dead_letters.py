"""`revgen dlq`: browse dead letters and re-drive them once the cause is fixed."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.panel import Panel
from rich.progress import Progress
from rich.table import Table

from revgen_common.topics import CONSUMER_GROUPS
from revgen_ops import dead_letters as letters_of
from revgen_ops.audit import default_operator
from revgen_ops.cli.common import Context, console, database, fail, run
from revgen_ops.dead_letters import DeadLetter

app = typer.Typer(help="Dead letters: what a consumer gave up on, with its reason and original bytes.",
                  no_args_is_help=True)


def _service_of(consumer: str) -> str:
    for group in CONSUMER_GROUPS:
        if group.name == consumer:
            return group.service
    raise fail(f"unknown consumer {consumer!r}; one of {', '.join(g.name for g in CONSUMER_GROUPS)}", 2)


@app.command("list")
def list_letters(consumer: Annotated[str | None, typer.Option(help="only this consumer's")] = None) -> None:
    """Every dead letter, oldest first, with its reason and whether it still waits for a re-drive."""

    async def work():
        with console.status("reading revgen.dead-letters"):
            found = await letters_of.dead_letters(Context.kafka(), consumer)
            waiting: dict[str, set] = {}
            for name in sorted({d.consumer for d in found}):
                if Context.endpoints().database_urls.get(_service_of(name)):
                    async with database(_service_of(name)) as engine:
                        waiting[name] = await letters_of.pending(engine, name, [d for d in found if d.consumer == name])
        return found, waiting

    found, waiting = run(work())
    table = Table(title=f"Dead letters ({len(found)})", title_justify="left")
    for column in ("at", "consumer", "letter", "event", "type", "from", "error", "state"):
        table.add_column(column)
    for d in found:
        state = ("?" if d.consumer not in waiting else "waiting" if d.event_id in waiting[d.consumer]
                 else "undecodable" if d.event_id is None else "re-driven")
        table.add_row(f"{d.dead_lettered_at:%Y-%m-%d %H:%M:%S}", d.consumer, d.address, str(d.event_id or "-"),
                      d.event_type or "-", f"{d.topic}[{d.original_partition}]@{d.original_offset}",
                      f"{d.error_class}: {d.error_message[:80]}", state)
    console.print(table)


@app.command()
def show(reference: Annotated[str, typer.Argument(help="its event id, or P:O on revgen.dead-letters")]) -> None:
    """One dead letter in full: headers and the original message."""
    found = [d for d in run(letters_of.dead_letters(Context.kafka())) if d.matches(reference)]
    if not found:
        raise fail(f"no dead letter {reference}")
    for d in found:
        headers = "\n".join(f"{k}: {v}" for k, v in sorted(d.headers.items()))
        console.print(Panel(headers, title=f"dead letter {d.address} at {d.dead_lettered_at:%Y-%m-%d %H:%M:%S}"))
        console.print(Panel(letters_of.readable_value(d), title="original message"))


@app.command()
def redrive(
    consumer: Annotated[str, typer.Option(help="whose dead letters")],
    reference: Annotated[list[str] | None, typer.Argument(help="event ids or P:O (one or more)")] = None,
    offsets: Annotated[str | None, typer.Option(help="a range of offsets on revgen.dead-letters, e.g. 120-180")] = None,
    all_letters: Annotated[bool, typer.Option("--all", help="every dead letter of the consumer")] = False,
    execute: Annotated[bool, typer.Option("--execute", help="re-drive them (without it: say what would be)")] = False,
    operator: Annotated[str, typer.Option(help="who, for the audit record")] = default_operator(),
) -> None:
    """Re-drive one, a range, or all of a consumer's dead letters to their original topic.
    Each is applied once however often this runs: one already re-driven is skipped."""
    if sum([bool(reference), offsets is not None, all_letters]) != 1:
        raise fail("choose the letters: event ids / P:O, --offsets A-B, or --all", 2)
    service = _service_of(consumer)

    async def work():
        chosen = [d for d in await letters_of.dead_letters(Context.kafka(), consumer) if _chosen(d, reference, offsets)]
        async with database(service) as engine:
            if not execute:
                return await letters_of.redrive(engine, Context.kafka(), consumer, chosen, operator, execute=False)
            with Progress(console=console) as progress:
                task = progress.add_task("re-driving", total=len(chosen))
                done = await letters_of.redrive(engine, Context.kafka(), consumer, chosen, operator,
                                                progress=lambda _letter: progress.advance(task))
                progress.update(task, completed=len(chosen))  # the skipped ones are done too
                return done

    outcome = run(work())
    verb = "re-driven" if execute else "would be re-driven"
    table = Table(title=f"Dead letters of {consumer}", title_justify="left",
                  caption=None if execute else "Dry run: nothing changed. Run again with --execute.")
    for column in ("letter", "event", "type", "to", "outcome"):
        table.add_column(column)
    for label, group in ((verb, outcome.redriven), ("already re-driven: skipped", outcome.already_redriven),
                         ("undecodable: not re-driven", outcome.undecodable)):
        for d in group:
            table.add_row(d.address, str(d.event_id or "-"), d.event_type or "-", d.topic, label)
    console.print(table)


def _chosen(letter: DeadLetter, references: list[str] | None, offsets: str | None) -> bool:
    if references:
        return any(letter.matches(r) for r in references)
    if offsets is not None:
        low, _, high = offsets.partition("-")
        return int(low) <= letter.offset <= int(high or low)
    return True
