"""Writing to the outbox: outgoing messages become rows in the same transaction as the
state change that caused them; the relay publishes them after commit.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from revgen_common.db import OUTBOX_CHANNEL
from revgen_common.envelope import Envelope
from revgen_common.topics import TopicSpec
from revgen_common.tracing import context_headers, stamped


def outbox_row(topic: TopicSpec | str, message: Envelope, headers: dict[str, str] | None = None,
               value: bytes | None = None) -> dict[str, Any]:
    """The row for `message`, naming the message being handled (if any) as its cause and
    carrying the current trace context in its headers (revgen_common.tracing)."""
    message = stamped(message)
    return {
        "event_id": message.event_id,
        "topic": topic.name if isinstance(topic, TopicSpec) else topic,
        "key": message.key,
        "value": message.to_bytes() if value is None else value,
        "headers": {**context_headers(), **(headers or {})},
    }


# The rows and the relay's wake-up in one statement: one round trip per transaction that
# publishes, whatever it publishes (it was two, on every handler's hot path).
_INSERT_ROWS = text(f"""
    WITH written AS (
        INSERT INTO outbox (event_id, topic, key, value, headers)
        SELECT * FROM unnest(CAST(:event_ids AS uuid[]), CAST(:topics AS text[]), CAST(:keys AS text[]),
                             CAST(:values AS bytea[]), CAST(:headers AS jsonb[]))
        RETURNING 1)
    SELECT pg_notify('{OUTBOX_CHANNEL}', '') FROM (SELECT count(*) FROM written) AS rows""")


async def write_outbox(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    # One prepared statement over arrays, whatever the number of rows. The notification is
    # delivered on commit only; the relay treats it as a wake-up hint and still polls.
    await connection.execute(_INSERT_ROWS, {
        "event_ids": [r["event_id"] for r in rows], "topics": [r["topic"] for r in rows],
        "keys": [r["key"] for r in rows], "values": [r["value"] for r in rows],
        "headers": [json.dumps(r["headers"]) for r in rows],
    })
