"""Alembic environment of the messaging database (run by `revgen-messaging-migrate`)."""
from revgen_common.migrations import run_alembic_env

run_alembic_env()
