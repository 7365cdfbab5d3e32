"""Alembic environment of the billing database (run by `revgen-billing-migrate`)."""
from revgen_common.migrations import run_alembic_env

run_alembic_env()
