"""Where the system runs: the Kafka cluster and each service's database.

From the environment (KAFKA_BOOTSTRAP_SERVERS, <SERVICE>_DATABASE_URL), as the services
read them; anything unset is taken from the file `./dev up` writes while it runs
(`.revgen/running.env`, looked for from the current directory upwards), so on a laptop
`revgen lag` needs no setup at all.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

RUNNING_ENV = Path(".revgen") / "running.env"
SERVICES = ("ingress", "identity", "escalation", "messaging", "billing")


class NotConfigured(Exception):
    """A command needs an endpoint nobody gave it; the message names the variable."""


def database_url_variable(service: str) -> str:
    return f"{service.upper()}_DATABASE_URL"


@dataclass(frozen=True)
class Endpoints:
    bootstrap_servers: str | None
    database_urls: Mapping[str, str] = field(default_factory=dict)
    source: str = "the environment"

    def kafka(self) -> str:
        if not self.bootstrap_servers:
            raise NotConfigured("set KAFKA_BOOTSTRAP_SERVERS (or run `./dev up`, which writes .revgen/running.env)")
        return self.bootstrap_servers

    def database(self, service: str) -> str:
        if service not in SERVICES:
            raise NotConfigured(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
        url = self.database_urls.get(service)
        if not url:
            raise NotConfigured(f"set {database_url_variable(service)} (or run `./dev up`, which writes "
                                ".revgen/running.env)")
        return url


def find_running_env(start: Path | None = None) -> Path | None:
    directory = (start or Path.cwd()).resolve()
    for candidate in (directory, *directory.parents):
        if (candidate / RUNNING_ENV).is_file():
            return candidate / RUNNING_ENV
    return None


def read_env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))


def load_endpoints(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Endpoints:
    environ = os.environ if environ is None else environ
    path = env_file or find_running_env()
    values = {**(read_env_file(path) if path else {}), **environ}
    return Endpoints(
        bootstrap_servers=values.get("KAFKA_BOOTSTRAP_SERVERS") or None,
        database_urls={s: values[database_url_variable(s)] for s in SERVICES if values.get(database_url_variable(s))},
        source=f"the environment and {path}" if path else "the environment",
    )
