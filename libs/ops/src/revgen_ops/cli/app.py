"""`revgen`: operate RevGen from a terminal. Each command is a thin face over revgen_ops,
which the admin UI's operations pages call too (one library, two faces)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from revgen_ops.cli import dead_letters, inspect, lag, outbox, replay
from revgen_ops.cli.common import Context

app = typer.Typer(name="revgen", help=__doc__, no_args_is_help=True, rich_markup_mode="markdown",
                  pretty_exceptions_show_locals=False)
app.command("lag")(lag.lag)
app.command("replay")(replay.replay)
app.add_typer(dead_letters.app, name="dlq")
app.add_typer(outbox.app, name="outbox")
app.command("topics")(inspect.topics)
app.command("trace")(inspect.trace)
app.command("audit")(inspect.audit)


@app.callback()
def where(
    env_file: Annotated[Path | None, typer.Option(help="KAFKA_BOOTSTRAP_SERVERS and *_DATABASE_URL as NAME=value "
                                                       "lines (default: .revgen/running.env, written by ./dev up)")] = None,
    bootstrap_servers: Annotated[str | None, typer.Option(help="Kafka, overriding KAFKA_BOOTSTRAP_SERVERS")] = None,
) -> None:
    """Works against `./dev up` as it is, or any cluster named by KAFKA_BOOTSTRAP_SERVERS and the
    services' <SERVICE>_DATABASE_URL."""
    Context.env_file = env_file
    Context.bootstrap_servers = bootstrap_servers


def main() -> None:
    app()
