"""Alembic environment of the escalation database (run by `revgen-escalation-migrate`)."""
from revgen_common.migrations import run_alembic_env

run_alembic_env()
