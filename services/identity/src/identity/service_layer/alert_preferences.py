"""How a person wants to be alerted: by SMS, e-mail or both (domain/alerts.py), set by the
person themself and audited like every other change identity keeps."""
from __future__ import annotations

import json
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from identity import SERVICE
from identity.adapters import alert_records
from revgen_common.unit_of_work import UnitOfWork

_AUDIT = text("""INSERT INTO audit_log (actor_id, action, entity, entity_id, after)
                 VALUES (:person, 'update', 'alert_channels', :entity, CAST(:after AS jsonb))""")


async def set_alert_channels(engine: AsyncEngine, person: uuid.UUID, channels: str) -> str:
    async with UnitOfWork(engine, SERVICE) as uow:
        stored = await alert_records.set_alert_channels(uow.connection, person, channels)
        await uow.connection.execute(_AUDIT, {"person": person, "entity": str(person),
                                              "after": json.dumps({"alert_channels": channels})})
        await uow.commit()
    assert stored is not None  # a signed-in person exists
    return stored
