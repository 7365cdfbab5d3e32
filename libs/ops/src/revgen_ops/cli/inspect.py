"""`revgen topics`, `revgen trace` and `revgen audit`: looking, never changing."""
from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import create_async_engine

from revgen_ops import audit as audit_log
from revgen_ops import topics as topic_info
from revgen_ops.cli.common import Context, console, fail, run
from revgen_ops.trace import Tracer


def topics(internal: Annotated[bool, typer.Option("--internal",
                                                  help="include Kafka's own (__consumer_offsets, …)")] = False) -> None:
    """Every topic: partitions, retention, size on disk, offsets and messages held."""
    found = run(topic_info.describe(Context.kafka(), internal))
    table = Table(title="Topics", title_justify="left")
    for column in ("topic", "partitions", "retention", "cleanup", "size", "end offsets (sum)", "messages held"):
        table.add_column(column, justify="left" if column in ("topic", "cleanup") else "right")
    for t in found:
        name = t.name if t.declared else f"{t.name} [dim](not declared)[/dim]"
        table.add_row(name, str(t.partitions), _retention(t.retention_ms), t.cleanup_policy or "-", _size(t.size_bytes),
                      f"{sum(t.end_offsets):,}", f"{t.messages:,}")
    console.print(table)


def _retention(ms: int | None) -> str:
    if ms is None:
        return "?"
    if ms < 0:
        return "forever"
    return f"{ms / 86_400_000:g}d" if ms >= 86_400_000 else f"{ms / 3_600_000:g}h"


def _size(size: int | None) -> str:
    if size is None:
        return "?"
    scaled = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if scaled < 1024 or unit == "GiB":
            return f"{scaled:,.0f} {unit}" if unit == "B" else f"{scaled:,.1f} {unit}"
        scaled /= 1024
    return str(scaled)


def trace(reference: Annotated[str, typer.Argument(help="a Twilio MessageSid or CallSid, a Stripe evt_…, "
                                                        "or an event id")]) -> None:
    """Every hop a webhook or event caused, in time order: ingress receipt, each consumer's
    inbox row (topic, partition, offset), the outbox rows it wrote, the provider calls."""
    urls = Context.endpoints().database_urls

    async def work():
        engines = {service: create_async_engine(url) for service, url in urls.items()}
        try:
            return await Tracer(engines).trace(reference)
        finally:
            for engine in engines.values():
                await engine.dispose()

    found = run(work())
    if not found.hops:
        raise fail(f"nothing found for {reference}" + (f" (not searched: {', '.join(found.not_searched)}: set their "
                                                          "*_DATABASE_URL)" if found.not_searched else ""))
    table = Table(title=f"Trace of {reference}", title_justify="left",
                  caption=f"not searched: {', '.join(found.not_searched)}" if found.not_searched else None)
    for column in ("at", "hop", "where", "what", "event"):
        table.add_column(column)
    for hop in found.ordered:
        table.add_row(f"{hop.at:%H:%M:%S.%f}"[:-3], hop.kind, hop.where, hop.what, str(hop.event_id or ""))
    console.print(table)


def audit(subject: Annotated[str | None, typer.Option(help="only this group, consumer or service")] = None) -> None:
    """What operators did: offset resets, re-drives, parked rows retried or dropped."""
    table = Table(title="Operations audit (revgen.operations-audit)", title_justify="left")
    for column in ("at", "operator", "action", "subject", "detail"):
        table.add_column(column)
    for e in run(audit_log.entries(Context.kafka(), subject)):
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.operator, e.action, e.subject, json.dumps(e.detail)[:200])
    console.print(table)
