"""`revgen-reputation-migrate`: bring the reputation database to the latest schema (a one-shot step)."""
from revgen_common.migrations import of_service

MIGRATIONS = of_service(__file__, "REPUTATION_DATABASE_URL")
upgrade_database = MIGRATIONS.upgrade
main = MIGRATIONS.main

if __name__ == "__main__":
    main()
