"""The webhook dedup ledger, partitioned by day so retention is DROP, not DELETE.

Revision ID: 0001
Revises:
"""
from alembic import op

revision = "0001"
down_revision = None

LEDGER = """
CREATE TABLE webhook_ledger (
    source        text        NOT NULL,
    provider_id   text        NOT NULL,
    received_on   date        NOT NULL,
    event_id      uuid        NOT NULL,
    kafka_topic   text        NOT NULL,
    kafka_partition integer   NOT NULL,
    state         text        NOT NULL CHECK (state IN ('pending', 'published')),
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    attempt_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    PRIMARY KEY (source, provider_id, received_on)
) PARTITION BY RANGE (received_on)
"""

# Keeps one partition per day from `keep_days` ago to two days ahead; older ones are
# dropped whole. Called by the migration and by ingress every hour.
MAINTAIN = """
CREATE FUNCTION maintain_webhook_ledger(keep_days integer DEFAULT 7) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    day date;
    old record;
BEGIN
    FOR day IN SELECT generate_series(current_date - keep_days, current_date + 2, interval '1 day')::date LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF webhook_ledger FOR VALUES FROM (%L) TO (%L)',
            'webhook_ledger_' || to_char(day, 'YYYYMMDD'), day, day + 1);
    END LOOP;
    FOR old IN
        SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'webhook_ledger'::regclass
          AND c.relname < 'webhook_ledger_' || to_char(current_date - keep_days, 'YYYYMMDD')
    LOOP
        EXECUTE format('DROP TABLE %I', old.relname);
    END LOOP;
END $$
"""


def upgrade() -> None:
    op.execute(LEDGER)
    op.execute(MAINTAIN)
    op.execute("SELECT maintain_webhook_ledger()")
