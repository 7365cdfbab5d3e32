"""A claim in one statement: lock, look across the daily partitions, insert if absent.

Called outside any explicit transaction, so the statement's own transaction holds the
advisory lock until the pending row is committed, and a claim costs one round trip
instead of five (BEGIN, lock, SELECT, INSERT, COMMIT); concurrent claims share one
(claim_webhooks).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"

# Outcomes as ingress.adapters.ledger.Claim spells them: new (ours to publish), duplicate
# (already on Kafka), in_flight (outcome not known yet), unresolved (pending past the
# settle time: check the topic). Columns are qualified: the OUT parameters share names.
CLAIM = """
CREATE FUNCTION claim_webhook(
    p_source text, p_provider_id text, p_event_id uuid, p_topic text, p_partition integer,
    settle_seconds double precision, keep_days integer,
    OUT claim text, OUT received_on date, OUT attempt_at timestamptz, OUT kafka_partition integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    existing record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_source || chr(31) || p_provider_id, 0));
    SELECT l.state, l.received_on, l.attempt_at, l.kafka_partition,
           l.attempt_at < now() - make_interval(secs => settle_seconds) AS settled
    INTO existing
    FROM webhook_ledger l
    WHERE l.source = p_source AND l.provider_id = p_provider_id AND l.received_on >= current_date - keep_days
    ORDER BY l.received_on DESC LIMIT 1;
    IF NOT FOUND THEN
        INSERT INTO webhook_ledger AS l (source, provider_id, received_on, event_id, kafka_topic, kafka_partition, state)
        VALUES (p_source, p_provider_id, current_date, p_event_id, p_topic, p_partition, 'pending')
        RETURNING 'new', l.received_on, l.attempt_at, l.kafka_partition
        INTO claim, received_on, attempt_at, kafka_partition;
    ELSIF existing.state = 'published' THEN
        claim := 'duplicate';
    ELSE
        claim := CASE WHEN existing.settled THEN 'unresolved' ELSE 'in_flight' END;
        received_on := existing.received_on;
        attempt_at := existing.attempt_at;
        kafka_partition := existing.kafka_partition;
    END IF;
END $$
"""


# Claims of several webhooks in one statement (one round trip, one commit), each decided by
# claim_webhook. Locks are taken in (source, provider id) order, so two batches sharing
# events cannot deadlock; every lock is held until the batch commits. `n` is the position
# in the arrays (1-based).
CLAIM_MANY = """
CREATE FUNCTION claim_webhooks(
    sources text[], provider_ids text[], event_ids uuid[], topics text[], partitions integer[],
    settle_seconds double precision, keep_days integer)
RETURNS TABLE (n bigint, claim text, received_on date, attempt_at timestamptz, kafka_partition integer)
LANGUAGE plpgsql AS $$
DECLARE
    w record;
BEGIN
    FOR w IN
        SELECT * FROM unnest(sources, provider_ids, event_ids, topics, partitions) WITH ORDINALITY
            AS u(source, provider_id, event_id, topic, part, i)
        ORDER BY u.source, u.provider_id, u.i
    LOOP
        n := w.i;
        SELECT c.claim, c.received_on, c.attempt_at, c.kafka_partition INTO claim, received_on, attempt_at, kafka_partition
        FROM claim_webhook(w.source, w.provider_id, w.event_id, w.topic, w.part, settle_seconds, keep_days) c;
        RETURN NEXT;
    END LOOP;
END $$
"""


def upgrade() -> None:
    op.execute(CLAIM)
    op.execute(CLAIM_MANY)
