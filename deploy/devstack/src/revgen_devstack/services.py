"""The services `revgen-devstack up` runs, in start order. Each service adds itself here
when it is built (its migrations and its entrypoint); none is built yet."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Service:
    name: str  # also its database's name
    command: list[str]
    migrate_command: list[str] = field(default_factory=list)

    @property
    def database_url_variable(self) -> str:
        return f"{self.name.upper()}_DATABASE_URL"


SERVICES: list[Service] = []
