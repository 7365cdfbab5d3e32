"""Alembic environment of the identity database (run by `revgen-identity-migrate`)."""
from identity.adapters.tables import metadata
from revgen_common.db import runtime_metadata
from revgen_common.migrations import run_alembic_env

run_alembic_env(metadata, runtime_metadata)
