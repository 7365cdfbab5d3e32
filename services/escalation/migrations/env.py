"""Alembic environment of the escalation database (run by `revgen-escalation-migrate`)."""
from escalation.adapters.tables import metadata
from revgen_common.db import runtime_metadata
from revgen_common.migrations import run_alembic_env

run_alembic_env(metadata, runtime_metadata)
