"""Alembic environment of the ingress database (run by `revgen-ingress-migrate`)."""
from revgen_common.migrations import run_alembic_env

run_alembic_env()
