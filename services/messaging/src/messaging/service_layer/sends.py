"""Every outbound message: enqueued once (unique by what caused it), then sent by ONE gateway
(sender.py). `enqueue` writes a `sends` row and a `SendRequested` message to `messaging.sends`
in the caller's transaction."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from messaging.adapters import sends
from revgen_common.contracts.messaging import SendRequested
from revgen_common.unit_of_work import Transaction


@dataclass(frozen=True)
class Outgoing:
    source_key: str  # what caused it: a CallSid, a MessageSid, a command id, a schedule id
    to: str
    from_: str
    body: str
    purpose: str
    client_id: str | None = None
    lead_id: uuid.UUID | None = None


async def enqueue(uow: Transaction, messages: Iterable[Outgoing]) -> int:
    """Queue messages in the caller's transaction, in one statement however many; the ones
    already queued (same source) are skipped. Returns how many were new."""
    batch = list(messages)
    if not batch:
        return 0
    rows = await sends.queue(
        uow.connection, source_keys=[m.source_key for m in batch], client_ids=[m.client_id for m in batch],
        lead_ids=[m.lead_id for m in batch], tos=[m.to for m in batch], froms=[m.from_ for m in batch],
        bodies=[m.body for m in batch], purposes=[m.purpose for m in batch])
    for row in rows:
        request_send(uow, row.id, row.to_number, row.from_number)
    return len(rows)


def request_send(uow: Transaction, send_id: uuid.UUID, to: str, from_: str) -> None:
    # `from` lets the sender check its pacing before it touches the database.
    uow.publish(SendRequested(send_id=send_id, to=to, from_=from_))
