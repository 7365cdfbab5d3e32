"""Alembic environment of the voice database (run by `revgen-voice-migrate`)."""
from revgen_common.db import runtime_metadata
from revgen_common.migrations import run_alembic_env
from voice.adapters.tables import metadata

run_alembic_env(metadata, runtime_metadata)
