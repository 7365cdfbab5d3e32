"""Alembic environment of the billing database (run by `revgen-billing-migrate`)."""
from billing.adapters.tables import metadata
from revgen_common.db import runtime_metadata
from revgen_common.migrations import run_alembic_env

run_alembic_env(metadata, runtime_metadata)
