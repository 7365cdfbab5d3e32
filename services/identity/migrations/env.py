"""Alembic environment of the identity database (run by `revgen-identity-migrate`)."""
from revgen_common.migrations import run_alembic_env

run_alembic_env()
