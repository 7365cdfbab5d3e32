"""Helpers for escalation tests (on the test path)."""
from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import text

from escalation import SERVICE
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.envelope import Envelope
from revgen_common.unit_of_work import UnitOfWork

CLAIM_BASE = "https://esc.revgen.example"


def event(type: str, client_id: str, **payload) -> Envelope:
    return Envelope(type=type, producer="test", key=client_id, client_id=client_id,
                    payload={"client_id": client_id, **payload})


def requested(client_id: str, request_id: str | None = None, **extra) -> Envelope:
    return event("EscalationRequested", client_id, request_id=request_id or uuid.uuid4().hex,
                 lead_phone="+15550001111", reason="asked for a person", **extra)


async def apply(engine, handler, message: Envelope) -> None:
    """Apply one event the way the consumer does: validated into its contract, then handler +
    outbox in one transaction."""
    async with UnitOfWork(engine, SERVICE) as uow:
        await handler(Delivered.of(message), HandlerContext(uow))
        await uow.commit()


async def team(engine, roster, client_id: str, size: int, owner: bool = True) -> list[dict]:
    members = []
    for i in range(size):
        role = "client_owner" if owner and i == 0 else "client_member"
        member = {"person_id": f"p-{uuid.uuid4().hex[:8]}", "name": f"Member {i}", "phone": f"+1555100{i:04d}",
                  "role": role}
        await apply(engine, roster.member_added, event("MemberAdded", client_id, **member))
        members.append(member)
    return members


async def sent(engine, client_id: str | None = None) -> list[dict]:
    """SendMessage commands in the outbox, oldest first."""
    async with engine.connect() as db:
        rows = await db.execute(text("SELECT value FROM outbox WHERE topic = 'messaging.commands' ORDER BY id"))
        commands = [json.loads(r.value)["payload"] for r in rows]
    return [c for c in commands if client_id is None or c["client_id"] == client_id]


def claim_tokens(commands: list[dict]) -> dict[str, str]:
    """Phone → the latest claim token sent to it."""
    tokens = {}
    for command in commands:
        match = re.search(r"/claim/([A-Za-z0-9_-]+)", command["body"])
        if match:
            tokens[command["to"]] = match.group(1)
    return tokens


async def outcomes(engine, type: str) -> list[dict]:
    async with engine.connect() as db:
        rows = await db.execute(text("SELECT value FROM outbox WHERE topic = 'escalation.events' ORDER BY id"))
        return [json.loads(r.value)["payload"] for r in rows if json.loads(r.value)["type"] == type]
