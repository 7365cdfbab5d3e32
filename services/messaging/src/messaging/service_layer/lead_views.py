"""What the admin UI reads of a client's leads: the leads newest first, one lead with its
opt-out status, and its conversation (every message in and out, each outbound one with its
delivery state, and the sends not out yet); and a reply a person writes by hand, queued
once per reply id like every other send."""
from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import call_records, leads, messages, numbers, profiles, sends
from messaging.service_layer.clients import UnknownClient
from messaging.service_layer.sends import Outgoing, enqueue
from revgen_common.clock import Clock
from revgen_common.pagination import decode_keyset, next_cursor
from revgen_common.unit_of_work import UnitOfWork


class UnknownLead(LookupError):
    pass




def _message_id(value: str) -> int:
    number = int(value)
    if not 0 < number < 2**63:
        raise ValueError("not a message id")
    return number


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _lead(row) -> dict:
    lead = {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in row._asdict().items()}
    return {**lead, "id": str(row.id)}


class LeadViews:
    def __init__(self, engine: AsyncEngine, clock: Clock):
        self.engine = engine
        self.clock = clock

    async def profile(self, client_id: str) -> dict:
        async with self.engine.connect() as db:
            row = await profiles.with_numbers(db, client_id)
        if row is None:
            raise UnknownClient(f"no messaging profile for client {client_id!r}")
        hours = row.business_hours if isinstance(row.business_hours, dict) else json.loads(row.business_hours)
        return {**row._asdict(), "business_hours": hours, "quiet_start": row.quiet_start.strftime("%H:%M"),
                "quiet_end": row.quiet_end.strftime("%H:%M"), "numbers": list(row.numbers)}

    async def leads(self, client_id: str, limit: int, cursor: str | None) -> dict:
        after_at, after_id = decode_keyset(cursor, datetime.fromisoformat, uuid.UUID)
        async with self.engine.connect() as db:
            rows = await leads.page(db, client_id, limit + 1, after_at, after_id)
        return {"data": [_lead(r) for r in rows[:limit]],
                "next": next_cursor(rows, limit, lambda r: (r.created_at.isoformat(), str(r.id)))}

    async def lead(self, client_id: str, lead_id: uuid.UUID) -> dict:
        async with self.engine.connect() as db:
            row = await leads.one(db, client_id, lead_id)
        if row is None:
            raise UnknownLead(f"client {client_id!r} has no lead {str(lead_id)!r}")
        return _lead(row)

    async def conversation(self, client_id: str, lead_id: uuid.UUID, limit: int, cursor: str | None) -> dict:
        (before,) = decode_keyset(cursor, _message_id)
        await self.lead(client_id, lead_id)
        async with self.engine.connect() as db:
            rows = await messages.thread(db, lead_id, limit + 1, before)
            unsent = await sends.unsent_to_lead(db, lead_id) if cursor is None else []
            calls = await call_records.calls_of(db, lead_id) if cursor is None else []
        return {"data": [{"id": r.id, "direction": r.direction, "body": r.body, "at": r.created_at.isoformat(),
                          "delivery": r.status if r.direction == "out" else None, "error_code": r.error_code}
                         for r in rows[:limit]],
                "unsent": [{"send_id": str(s.id), "body": s.body, "purpose": s.purpose, "status": s.status,
                            "reason": s.blocked_reason, "not_before": _iso(s.not_before)} for s in unsent],
                "calls": calls,
                "next": next_cursor(rows, limit, lambda r: (str(r.id),))}

    async def reply(self, client_id: str, lead_id: uuid.UUID, reply_id: str, body: str) -> dict:
        """Queue a reply typed by a person; the same reply id queues it once. Compliance still
        decides at send time (an opted-out lead's reply is blocked, and shows so)."""
        lead = await self.lead(client_id, lead_id)
        key = f"manual:{client_id}:{reply_id}"
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            number = lead["client_number"] or await numbers.first(uow.connection, client_id)
            if number is None:
                raise UnknownClient(f"client {client_id!r} has no number to send from")
            await enqueue(uow, [Outgoing(key, lead["phone"], number, body, "reply", client_id, lead_id)])
            send = await sends.by_source(uow.connection, key)
            await uow.commit()
        return {"send_id": str(send.id), "status": send.status}
