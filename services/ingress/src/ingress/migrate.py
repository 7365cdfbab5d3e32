"""`revgen-ingress-migrate`: bring the ingress database to the latest schema (a one-shot step)."""
from pathlib import Path

from alembic import command
from alembic.config import Config

from revgen_common import Required, ServiceSettings, load_settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class MigrateSettings(ServiceSettings):
    kafka_bootstrap_servers: str = ""  # migrations need only the database
    ingress_database_url: Required


def upgrade(database_url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    command.upgrade(config, "head")


def main() -> None:
    upgrade(load_settings(MigrateSettings).ingress_database_url)


if __name__ == "__main__":
    main()
