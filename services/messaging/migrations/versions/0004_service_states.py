"""What billing reported about each client's subscriptions, and the service state it makes
(ADR 0012): `billing_facts` keeps every fact (one per billing event), so the state is
recomputed from the whole set whatever order they came in; `service_states` is that
state, read on every inbound message and send, with what the owner was last told.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

from revgen_common.migrations import updated_at_trigger

revision = "0004"
down_revision = "0003"

SCHEMA = [
    """CREATE TABLE billing_facts (
        event_id uuid PRIMARY KEY, client_id text NOT NULL, subscription_id text NOT NULL,
        status text NOT NULL, paused boolean, occurred_at timestamptz NOT NULL)""",
    "CREATE INDEX billing_facts_by_client ON billing_facts (client_id)",
    """CREATE TABLE service_states (
        client_id text PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('active', 'trialing', 'past_due', 'suspended')),
        reason text, since timestamptz,
        -- when the suspension the owner was told about began; NULL once told it resumed
        told_suspended_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status IN ('past_due', 'suspended')) = (since IS NOT NULL)))""",
    # The timer's question: whose grace has run out without the owner being told.
    "CREATE INDEX past_due_untold ON service_states (since) WHERE status = 'past_due' AND told_suspended_at IS NULL",
    updated_at_trigger("service_states"),
]


def upgrade() -> None:
    for statement in SCHEMA:
        op.execute(statement)
