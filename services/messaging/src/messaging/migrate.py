"""`revgen-messaging-migrate`: bring the messaging database to the latest schema (a one-shot step)."""
from pathlib import Path

from revgen_common.migrations import migrate_main, upgrade

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def upgrade_database(database_url: str) -> None:
    upgrade(MIGRATIONS, database_url)


def main() -> None:
    migrate_main(MIGRATIONS, "MESSAGING_DATABASE_URL")


if __name__ == "__main__":
    main()
