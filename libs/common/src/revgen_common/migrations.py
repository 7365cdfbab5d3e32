"""Running a service's Alembic migrations: a one-shot step before the service starts.

Each service keeps its migrations in `services/<name>/migrations`, whose env.py is just
`run_alembic_env()`; its `migrate` entrypoint is `migrate_main(<dir>, "<NAME>_DATABASE_URL")`.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from pydantic import create_model
from pydantic_settings import BaseSettings
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from revgen_common.settings import Required, load_settings


# Every table with an `updated_at` gets it from the database on each UPDATE (audit D11):
# run UPDATED_AT_FUNCTION once per database, then updated_at_trigger(table) per table.
UPDATED_AT_FUNCTION = """CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.updated_at = now(); RETURN NEW; END $$"""


def updated_at_trigger(table: str) -> str:
    return f"CREATE TRIGGER {table}_updated_at BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION set_updated_at()"


def upgrade(migrations: Path, database_url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", database_url)
    command.upgrade(config, "head")


@dataclass(frozen=True)
class ServiceMigrations:
    """A service's migrations: `upgrade(url)` for tests and tools, `main()` for its
    `revgen-<service>-migrate` command."""
    directory: Path
    url_variable: str

    def upgrade(self, database_url: str) -> None:
        upgrade(self.directory, database_url)

    def main(self) -> None:
        migrate_main(self.directory, self.url_variable)


def of_service(package_file: str, url_variable: str) -> ServiceMigrations:
    """The migrations of the service whose package holds `package_file`:
    services/<name>/migrations, beside its src/."""
    return ServiceMigrations(Path(package_file).resolve().parents[2] / "migrations", url_variable)


def migrate_main(migrations: Path, url_variable: str) -> None:
    """Migrations need only their database URL, validated like every other setting."""
    field = url_variable.lower()
    fields: dict[str, Any] = {field: (Required, ...)}
    settings_class = create_model(f"{url_variable}Settings", __base__=BaseSettings, **fields)
    upgrade(migrations, getattr(load_settings(settings_class), field))


def run_alembic_env() -> None:
    from alembic import context

    def migrate(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        url = context.config.get_main_option("sqlalchemy.url")
        assert url is not None, "upgrade() sets sqlalchemy.url"
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
            await connection.commit()
        await engine.dispose()

    asyncio.run(main())
