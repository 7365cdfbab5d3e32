"""Alembic environment of the ingress database (run by `revgen-ingress-migrate`)."""
from ingress.adapters.tables import metadata
from revgen_common.migrations import run_alembic_env

# The ledger's daily partitions come and go with maintain_webhook_ledger(); the parent is declared.
run_alembic_env(metadata, ignored_tables=r"webhook_ledger_\d{8}")
