"""Alembic environment of the voice database (run by `revgen-voice-migrate`)."""
from revgen_common.migrations import run_alembic_env

run_alembic_env()
