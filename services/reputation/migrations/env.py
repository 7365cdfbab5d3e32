"""Alembic environment of the reputation database (run by `revgen-reputation-migrate`)."""
from revgen_common.migrations import run_alembic_env

run_alembic_env()
