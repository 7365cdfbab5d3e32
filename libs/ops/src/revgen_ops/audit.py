"""The record of what operators did: every offset reset, re-drive and parked row retried
or dropped, as one message on `revgen.operations-audit` (who, when, what, from, to).

Written before the action it records: an action is never done unrecorded; one that then
fails is followed by a record saying so.
"""
from __future__ import annotations

import getpass
import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer

from revgen_common.clock import Clock, system_clock
from revgen_common.kafka_config import producer_config
from revgen_common.topic_reading import read_to_end
from revgen_common.topics import OPERATIONS_AUDIT


def default_operator() -> str:
    """REVGEN_OPERATOR when set (the admin UI sets the signed-in operator), else user@host."""
    return os.environ.get("REVGEN_OPERATOR") or f"{getpass.getuser()}@{socket.gethostname()}"


@dataclass(frozen=True)
class AuditEntry:
    id: str
    action: str  # offset-reset | dead-letter-redrive | outbox-retry | outbox-drop, and "-failed" variants
    subject: str  # the group, consumer or service acted on
    operator: str
    at: datetime
    detail: dict[str, Any]


async def record(bootstrap_servers: str, action: str, subject: str, operator: str, detail: dict[str, Any],
                 clock: Clock = system_clock) -> AuditEntry:
    entry = AuditEntry(str(uuid.uuid4()), action, subject, operator, clock(), detail)
    producer = AIOKafkaProducer(**producer_config(bootstrap_servers))
    await producer.start()
    try:
        await producer.send_and_wait(OPERATIONS_AUDIT.name, json.dumps({
            "id": entry.id, "action": action, "subject": subject, "operator": operator,
            "at": entry.at.isoformat(), "detail": detail}).encode(), key=subject.encode())
    finally:
        await producer.stop()
    return entry


async def entries(bootstrap_servers: str, subject: str | None = None) -> list[AuditEntry]:
    found = []
    for r in await read_to_end(bootstrap_servers, OPERATIONS_AUDIT.name):
        raw = json.loads(r.value)
        if subject is None or raw["subject"] == subject:
            found.append(AuditEntry(raw["id"], raw["action"], raw["subject"], raw["operator"],
                                    datetime.fromisoformat(raw["at"]), raw["detail"]))
    return sorted(found, key=lambda e: e.at)
